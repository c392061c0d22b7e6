// The embedded bus killed as an outage kills it (SIGKILL, no shutdown):
// every send and append it acknowledged before the kill is there after a
// restart on the same log.
#include "platform/bus/embedded_bus.h"
#include "support/coro_runner.h"
#include "support/serve_process.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace cafe::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kConfig = "log: {access_log: false, level: warn}\n";

std::unique_ptr<bus::Bus> client_of(const ServeProcess& process) {
  auto opened = bus::open_embedded_bus({.addresses = {process.address()}, .caller = "e2e"});
  if (!opened) ADD_FAILURE() << opened.error().detail;
  return opened ? std::move(*opened) : nullptr;
}

Deadline soon() {
  return Deadline::after(5s);
}

TEST(BusCrash, DeliversEveryAcknowledgedSendAndAppendAfterAKillMidStream) {
  TempDir dir;
  std::set<std::string> acked_messages, acked_records;
  {
    ServeProcess bus(dir.path(), "bus", kConfig, {"--listen", "127.0.0.1:0"});
    ASSERT_TRUE(bus.wait_ready(30s)) << bus.log();
    CoroRunner run;
    auto client = client_of(bus);
    ASSERT_TRUE(client);
    ASSERT_TRUE(run([&]() -> asio::awaitable<Result<void>> {
      co_return co_await client->declare_queue("payments", bus::QueueOptions{}, soon());
    }));
    ASSERT_TRUE(run([&]() -> asio::awaitable<Result<void>> {
      co_return co_await client->declare_stream("orders", bus::StreamOptions{}, soon());
    }));

    // Four publishers, so the bus groups their commits; each stops at its
    // first failure (the kill).
    std::mutex mutex;
    std::atomic<int> batches{0};
    std::vector<std::thread> publishers;
    // The client keeps a connection pool per I/O thread, closed on that
    // thread: the runners outlive client->close().
    std::vector<std::unique_ptr<CoroRunner>> runners;
    for (int p = 0; p < 4; ++p) runners.push_back(std::make_unique<CoroRunner>());
    for (int p = 0; p < 4; ++p) {
      publishers.emplace_back([&, p] {
        CoroRunner& mine = *runners[p];
        for (int batch = 0;; ++batch) {
          std::vector<bus::OutgoingMessage> messages;
          std::vector<bus::StreamEntry> entries;
          for (int i = 0; i < 20; ++i) {
            const std::string id =
                "p" + std::to_string(p) + "-" + std::to_string(batch) + "-" + std::to_string(i);
            messages.push_back({id, "{\"order\":\"" + id + "\"}", 0ms});
            entries.push_back({"order-" + std::to_string(i % 5), id, "{}"});
          }
          auto sent = mine([&]() -> asio::awaitable<Result<void>> {
            co_return co_await client->send("payments", messages, soon());
          });
          if (!sent) return;
          {
            std::lock_guard lock(mutex);
            for (const auto& m : messages) acked_messages.insert(m.id);
          }
          auto appended = mine([&]() -> asio::awaitable<Result<std::vector<std::uint64_t>>> {
            co_return co_await client->append("orders", entries, soon());
          });
          if (!appended) return;
          {
            std::lock_guard lock(mutex);
            for (const auto& e : entries) acked_records.insert(e.id);
          }
          ++batches;
        }
      });
    }
    while (batches < 40) std::this_thread::sleep_for(5ms);
    bus.kill();
    for (auto& t : publishers) t.join();
    client->close();
    client.reset();  // its pools' timers belong to the runners' contexts
  }
  ASSERT_GE(acked_messages.size(), 800u);

  ServeProcess restarted(dir.path(), "bus", kConfig, {"--listen", "127.0.0.1:0"}, "bus-restarted");
  ASSERT_TRUE(restarted.wait_ready(30s)) << restarted.log();
  CoroRunner run;
  auto client = client_of(restarted);
  ASSERT_TRUE(client);
  std::set<std::string> delivered;
  for (;;) {
    auto got = run([&]() -> asio::awaitable<Result<std::vector<bus::QueueMessage>>> {
      co_return co_await client->receive("payments", {.max_messages = 500, .wait = 0ms, .visibility = 60s},
                                         soon());
    });
    ASSERT_TRUE(got) << got.error().detail;
    if (got->empty()) break;
    for (const auto& m : *got) delivered.insert(m.id);
  }
  std::set<std::string> recorded;
  std::uint64_t next = 0;
  for (;;) {
    auto records = run([&]() -> asio::awaitable<Result<std::vector<bus::StreamRecord>>> {
      co_return co_await client->read("orders", bus::StreamPosition::at_offset(next),
                                      {.max_records = 500, .wait = 0ms}, soon());
    });
    ASSERT_TRUE(records) << records.error().detail;
    if (records->empty()) break;
    for (const auto& r : *records) recorded.insert(r.id);
    next = records->back().offset + 1;
  }
  std::size_t lost_messages = 0, lost_records = 0;
  for (const auto& id : acked_messages) lost_messages += !delivered.contains(id);
  for (const auto& id : acked_records) lost_records += !recorded.contains(id);
  std::printf(
      "acknowledged before the kill: %zu sends, %zu appends; after the restart: %zu delivered, %zu "
      "recorded\n",
      acked_messages.size(), acked_records.size(), delivered.size(), recorded.size());
  EXPECT_EQ(lost_messages, 0u) << "of " << acked_messages.size() << " acknowledged sends";
  EXPECT_EQ(lost_records, 0u) << "of " << acked_records.size() << " acknowledged appends";
  client->close();
}

}  // namespace
}  // namespace cafe::test
