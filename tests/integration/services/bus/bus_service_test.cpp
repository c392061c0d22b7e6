// The bus process over HTTP, through the client the services use: what the
// log keeps across a restart, and what the HTTP API refuses.
#include "platform/bus/embedded_bus.h"
#include "services/bus/bus_config.h"
#include "support/coro_runner.h"
#include "support/http_test_client.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cafe::bus {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

Deadline soon() {
  return Deadline::after(std::chrono::seconds(5));
}

class BusServiceTest : public ::testing::Test {
 protected:
  void start() {
    auto config = test::test_config();
    config.service<BusConfig>("bus").metrics_interval = milliseconds(100);
    bus_ = test::start_service("bus", config, dir_.path().string());
    ASSERT_TRUE(bus_.service);
    auto client = open_embedded_bus(
        {.addresses = {bus_.address}, .caller = "test", .admin_token = test::kTestAdminToken});
    ASSERT_TRUE(client) << client.error().detail;
    client_ = std::move(*client);
  }
  void stop() {
    if (client_) client_->close();
    client_.reset();
    bus_.stop();
    bus_ = {};
  }
  void TearDown() override { stop(); }

  test::TempDir dir_;
  test::StartedService bus_;
  std::unique_ptr<Bus> client_;
  test::CoroRunner run_;
};

TEST_F(BusServiceTest, KeepsAcknowledgedMessagesRecordsAndOffsetsAcrossARestart) {
  start();
  Bus& b = *client_;
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.declare_queue("payments", QueueOptions{}, soon());
  }));
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.declare_stream("orders", StreamOptions{}, soon());
  }));
  auto sent = run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.send(
        "payments", {{"m1", "{\"n\":1}", milliseconds(0)}, {"m2", "{\"n\":2}", milliseconds(0)}}, soon());
  });
  ASSERT_TRUE(sent) << sent.error().detail;
  auto offsets = run_([&]() -> asio::awaitable<Result<std::vector<std::uint64_t>>> {
    co_return co_await b.append(
        "orders", {{"order-1", "e1", "{}"}, {"order-1", "e2", "{}"}, {"order-2", "e3", "{}"}}, soon());
  });
  ASSERT_TRUE(offsets) << offsets.error().detail;
  ASSERT_EQ(offsets->size(), 3u);
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.commit("orders", "analytics", (*offsets)[0], soon());
  }));
  // One message received (its count must survive), one left untouched.
  auto got = run_([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await b.receive(
        "payments", {.max_messages = 1, .wait = milliseconds(0), .visibility = milliseconds(1)}, soon());
  });
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), 1u);

  stop();
  start();
  Bus& again = *client_;
  std::this_thread::sleep_for(milliseconds(5));  // past the 1 ms visibility
  auto after = run_([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await again.receive("payments",
                                     {.max_messages = 10, .wait = milliseconds(0), .visibility = {}}, soon());
  });
  ASSERT_TRUE(after) << after.error().detail;
  ASSERT_EQ(after->size(), 2u);
  std::map<std::string, std::uint32_t> counts;
  for (const auto& m : *after) counts[m.id] = m.receive_count;
  EXPECT_EQ(counts[(*got)[0].id], 2u);
  EXPECT_EQ(counts.size(), 2u);

  auto records = run_([&]() -> asio::awaitable<Result<std::vector<StreamRecord>>> {
    co_return co_await again.read("orders", StreamPosition::after_group("analytics"),
                                  {.max_records = 10, .wait = {}}, soon());
  });
  ASSERT_TRUE(records) << records.error().detail;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].id, "e2");
  EXPECT_EQ((*records)[1].id, "e3");
}

// Acked rows are deleted; a restarted bus must still not give their
// sequence numbers (and so their receipts) to new messages, or a consumer
// retrying a lost ack would delete someone else's message.
TEST_F(BusServiceTest, AnAckRetriedAcrossARestartNeverMatchesANewMessage) {
  start();
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->declare_queue("payments", QueueOptions{}, soon());
  }));
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->send("payments", {{"old", "{}", milliseconds(0)}}, soon());
  }));
  auto old = run_([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await client_->receive("payments", {.max_messages = 1, .wait = {}, .visibility = {}},
                                        soon());
  });
  ASSERT_TRUE(old && old->size() == 1u);
  const std::string old_receipt = (*old)[0].receipt;
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->ack("payments", {old_receipt}, soon());
  }));

  stop();
  start();
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->send("payments", {{"new", "{}", milliseconds(0)}}, soon());
  }));
  auto fresh = run_([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await client_->receive("payments", {.max_messages = 1, .wait = {}, .visibility = {}},
                                        soon());
  });
  ASSERT_TRUE(fresh && fresh->size() == 1u);
  EXPECT_NE((*fresh)[0].receipt, old_receipt);
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->ack("payments", {old_receipt}, soon());  // the retried ack
  }));
  auto left = run_([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await client_->peek("payments", 10, soon());
  });
  ASSERT_TRUE(left) << left.error().detail;
  ASSERT_EQ(left->size(), 1u) << "the stale ack deleted the new message";
  EXPECT_EQ((*left)[0].id, "new");
}

TEST_F(BusServiceTest, RefusesToDeclareQueuesBeyondItsLimitButRedeclaresOnes) {
  auto config = test::test_config();
  config.service<BusConfig>("bus").max_queues = 2;
  bus_ = test::start_service("bus", config, dir_.path().string());
  ASSERT_TRUE(bus_.service);
  auto client = open_embedded_bus({.addresses = {bus_.address}, .caller = "test"});
  ASSERT_TRUE(client);
  client_ = std::move(*client);
  auto declare = [&](std::string name) {
    return run_([&]() -> asio::awaitable<Result<void>> {
      co_return co_await client_->declare_queue(name, QueueOptions{}, soon());
    });
  };
  ASSERT_TRUE(declare("one"));
  ASSERT_TRUE(declare("two"));
  auto third = declare("three");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kResourceExhausted) << third.error().detail;
  EXPECT_TRUE(declare("two")) << "declaring an existing queue again is not a new one";
}

TEST_F(BusServiceTest, RefusesMalformedCallsWithAProblemAndChangesNothing) {
  start();
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->declare_queue("payments", QueueOptions{}, soon());
  }));
  const std::pair<std::string, std::string> bad[] = {
      {"/bus/queues/payments/messages", "{\"messages\":[{\"id\":\"a\"}]}"},  // no body
      {"/bus/queues/payments/messages", "{\"messages\":[]}"},                // empty batch
      {"/bus/queues/payments/messages", "{\"messages\":[{\"id\":\"a\",\"body\":\"x\",\"colour\":1}]}"},
      {"/bus/queues/payments/messages", "{\"messages\":"},                                  // truncated
      {"/bus/queues/Payments/messages", "{\"messages\":[{\"id\":\"a\",\"body\":\"x\"}]}"},  // bad name
      {"/bus/queues/payments/receive", "{\"max_messages\":0}"},
      {"/bus/streams/orders/read", "{\"from\":{\"offset\":1,\"group\":\"g\"}}"},
  };
  for (const auto& [target, body] : bad) {
    auto resp = test::send_request(bus_.port, {"POST", target, {{"Content-Type", "application/json"}}, body});
    EXPECT_EQ(resp.status, 400) << target << " " << body << " -> " << resp.body;
    EXPECT_EQ(resp.header("content-type"), "application/problem+json") << target;
  }
  auto unknown = test::send_request(bus_.port, {"POST",
                                                "/bus/queues/nowhere/messages",
                                                {{"Content-Type", "application/json"}},
                                                "{\"messages\":[{\"id\":\"a\",\"body\":\"x\"}]}"});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  auto stats = run_([&]() -> asio::awaitable<Result<std::vector<QueueStats>>> {
    co_return co_await client_->queue_stats(soon());
  });
  ASSERT_TRUE(stats) << stats.error().detail;
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].ready, 0u);
  auto anonymous = test::get(bus_.port, "/admin/bus/queues");
  EXPECT_EQ(anonymous.status, 401);
}

// The first line of /metrics with `name` and every one of `labels`, or "".
std::string metric_line(const std::string& metrics, const std::string& name,
                        std::vector<std::string> labels) {
  std::size_t at = 0;
  while ((at = metrics.find(name + "{", at)) != std::string::npos) {
    const std::string line = metrics.substr(at, metrics.find('\n', at) - at);
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (all) return line;
    at += name.size();
  }
  return {};
}

TEST_F(BusServiceTest, ExportsDepthsLagAndOperationCountsOnMetrics) {
  start();
  Bus& b = *client_;
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.declare_queue("payments", QueueOptions{}, soon());
  }));
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.declare_stream("orders", StreamOptions{}, soon());
  }));
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.send("payments", {{"m1", "{}", milliseconds(0)}, {"m2", "{}", milliseconds(0)}},
                              soon());
  }));
  auto offsets = run_([&]() -> asio::awaitable<Result<std::vector<std::uint64_t>>> {
    co_return co_await b.append("orders", {{"o1", "e1", "{}"}, {"o1", "e2", "{}"}, {"o1", "e3", "{}"}},
                                soon());
  });
  ASSERT_TRUE(offsets && offsets->size() == 3u);
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await b.commit("orders", "analytics", (*offsets)[0], soon());
  }));
  std::string ready, lag, sent;
  for (int i = 0; i < 50 && (ready.empty() || lag.empty() || sent.empty()); ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    const std::string metrics = test::get(bus_.port, "/metrics").body;
    ready = metric_line(metrics, "cloudcafe_bus_queue_messages",
                        {"queue=\"payments\"", "state=\"ready\"", "} 2"});
    lag = metric_line(metrics, "cloudcafe_bus_consumer_group_lag_records", {"group=\"analytics\"", "} 2"});
    sent = metric_line(metrics, "cloudcafe_bus_queue_operations_total", {"op=\"sent\"", "} 2"});
  }
  auto peeked = run_([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await b.peek("payments", 10, soon());
  });
  ASSERT_TRUE(peeked) << peeked.error().detail;
  ASSERT_EQ(peeked->size(), 2u);
  EXPECT_EQ((*peeked)[0].id, "m1");
  EXPECT_EQ((*peeked)[0].receive_count, 0u) << "a peek is not a receive";
  EXPECT_TRUE((*peeked)[0].receipt.empty());
  EXPECT_FALSE(ready.empty()) << "no ready depth of 2 for payments";
  EXPECT_FALSE(lag.empty()) << "no lag of 2 for the analytics group";
  EXPECT_FALSE(sent.empty()) << "no count of 2 sends";
}

}  // namespace
}  // namespace cafe::bus
