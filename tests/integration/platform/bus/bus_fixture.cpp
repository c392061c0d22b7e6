#include "bus_fixture.h"

#include <atomic>
#include <random>
#include <unistd.h>

namespace cafe::bus::testing {

test::CoroRunner& io_thread() {
  static test::CoroRunner runner;
  return runner;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void BusConformance::SetUp() {
  bus_ = open_bus();
  if (IsSkipped()) return;
  ASSERT_NE(bus_, nullptr) << "the " << GetParam() << " bus did not open";
}

void BusConformance::TearDown() {
  if (bus_) bus_->close();
}

std::unique_ptr<Bus> BusConformance::open_bus() {
  const auto* backend = test::find_bus_backend(GetParam());
  if (backend == nullptr) return nullptr;
  auto bus = backend->open();
  if (bus) EXPECT_EQ(bus->backend(), GetParam());
  return bus;
}

std::string BusConformance::fresh(std::string_view what) {
  // Several runs may share a server (and the embedded bus a store): the
  // process id and a random tag keep their names apart too.
  static const std::string tag =
      std::to_string(getpid()) + "-" + std::to_string(std::random_device{}() % 100000);
  static std::atomic<int> next{0};
  return std::string(what) + "-" + tag + "-" + std::to_string(next++);
}

std::string BusConformance::queue(QueueOptions options) {
  std::string name = fresh("q");
  auto declared = run(bus_->declare_queue(name, options, soon()));
  EXPECT_TRUE(declared) << outcome(declared);
  return name;
}

std::string BusConformance::stream(StreamOptions options) {
  std::string name = fresh("s");
  auto declared = run(bus_->declare_stream(name, options, soon()));
  EXPECT_TRUE(declared) << outcome(declared);
  return name;
}

Result<void> BusConformance::send(const std::string& queue, std::vector<OutgoingMessage> messages) {
  return run(bus_->send(queue, std::move(messages), soon()));
}

Result<void> BusConformance::send_one(const std::string& queue, std::string id, std::string body,
                                      std::chrono::milliseconds delay) {
  std::vector<OutgoingMessage> one{message(std::move(id), std::move(body), delay)};
  return send(queue, std::move(one));
}

Result<std::vector<QueueMessage>> BusConformance::receive(const std::string& queue, ReceiveOptions options,
                                                          Deadline deadline) {
  return run(bus_->receive(queue, options, deadline));
}

Result<void> BusConformance::ack(const std::string& queue, std::vector<std::string> receipts) {
  return run(bus_->ack(queue, std::move(receipts), soon()));
}

QueueStats BusConformance::stats_of(const std::string& queue) {
  auto all = run(bus_->queue_stats(soon()));
  EXPECT_TRUE(all) << outcome(all);
  if (all) {
    for (auto& s : *all) {
      if (s.name == queue) return s;
    }
  }
  ADD_FAILURE() << "no stats for queue " << queue;
  return {};
}

StreamStats BusConformance::stream_stats_of(const std::string& stream) {
  auto all = run(bus_->stream_stats(soon()));
  EXPECT_TRUE(all) << outcome(all);
  if (all) {
    for (auto& s : *all) {
      if (s.name == stream) return s;
    }
  }
  ADD_FAILURE() << "no stats for stream " << stream;
  return {};
}

Result<std::vector<std::uint64_t>> BusConformance::append(const std::string& stream,
                                                          std::vector<StreamEntry> entries) {
  return run(bus_->append(stream, std::move(entries), soon()));
}

Result<std::vector<StreamRecord>> BusConformance::read(const std::string& stream, StreamPosition from,
                                                       ReadOptions options, Deadline deadline) {
  return run(bus_->read(stream, std::move(from), options, deadline));
}

std::vector<StreamEntry> entries(std::string_view prefix, int n, std::string_view key) {
  std::vector<StreamEntry> out;
  for (int i = 0; i < n; ++i) {
    std::string id = std::string(prefix) + std::to_string(i);
    out.push_back({.partition_key = std::string(key), .id = id, .body = "body-" + id});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, BusConformance, ::testing::ValuesIn(test::bus_backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace cafe::bus::testing
