// NATS-only behaviour: opening without a server, JetStream's dedupe of a
// retried send, a crash and restart of the server, and what a receiver's
// death leaves behind.
#include "platform/bus/nats_bus.h"

#include "bus_fixture.h"
#include "support/local_server.h"
#include "support/nats_server.h"

#include <gmock/gmock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace cafe::bus::testing {
namespace {

using ::testing::IsEmpty;

std::unique_ptr<Bus> open_on(const test::NatsServer& server, NatsBusOptions options = {}) {
  options.url = server.url();
  auto bus = open_nats_bus(options);
  EXPECT_TRUE(bus) << outcome(bus);
  return bus ? std::move(*bus) : nullptr;
}

TEST(NatsBus, RefusesToOpenWhenNoServerListens) {
  const auto started = Clock::now();
  NatsBusOptions options;
  options.url = "nats://127.0.0.1:" + std::to_string(test::free_loopback_port());
  options.connect_timeout = 500ms;
  auto bus = open_nats_bus(options);
  ASSERT_FALSE(bus);
  EXPECT_EQ(bus.error().code, ErrorCode::kUnavailable) << outcome(bus);
  EXPECT_LT(since(started), 2000ms);
}

TEST(NatsBus, AbsorbsARetriedSendOrAppendWithTheSameId) {
  auto* server = test::NatsServer::start_or_skip();
  if (server == nullptr) return;
  auto bus = open_on(*server);
  ASSERT_NE(bus, nullptr);
  const std::string q = "dedupe-q-" + std::to_string(getpid());
  ASSERT_TRUE(run(bus->declare_queue(q, {}, soon())));
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<OutgoingMessage> one{message("order-1", "paid")};
    auto sent = run(bus->send(q, std::move(one), soon()));
    ASSERT_TRUE(sent) << outcome(sent);
  }
  auto got = run(bus->receive(q, up_to(10), soon()));
  ASSERT_TRUE(got) << outcome(got);
  EXPECT_EQ(got->size(), 1u) << "a retried send was stored twice";

  const std::string s = "dedupe-s-" + std::to_string(getpid());
  ASSERT_TRUE(run(bus->declare_stream(s, {}, soon())));
  auto first = run(bus->append(s, {{.partition_key = "o1", .id = "ev-1", .body = "x"}}, soon()));
  auto retry = run(bus->append(s, {{.partition_key = "o1", .id = "ev-1", .body = "x"}}, soon()));
  ASSERT_TRUE(first) << outcome(first);
  ASSERT_TRUE(retry) << outcome(retry);
  EXPECT_EQ(*first, *retry) << "a retried append answers the first offset";
  bus->close();
}

TEST(NatsBus, AnswersUnavailableWhileTheServerIsDownAndCarriesOnAfterARestart) {
  auto server = test::NatsServer::start_own_or_skip();
  if (server == nullptr) return;
  NatsBusOptions options;
  options.reconnect_wait = 100ms;
  auto bus = open_on(*server, options);
  ASSERT_NE(bus, nullptr);
  const std::string q = "crash";
  ASSERT_TRUE(run(bus->declare_queue(q, {}, soon())));
  std::vector<OutgoingMessage> before{message("before", "kept")};
  ASSERT_TRUE(run(bus->send(q, std::move(before), soon())));

  server->kill();
  const auto down_at = Clock::now();
  std::vector<OutgoingMessage> during{message("during", "x")};
  auto refused = run(bus->send(q, std::move(during), soon(5s)));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << outcome(refused);
  EXPECT_LT(since(down_at), 2000ms) << "a call waited for the server instead of failing";

  ASSERT_TRUE(server->restart());
  Result<void> sent = Error::unavailable("not yet");
  const auto restarted_at = Clock::now();
  while (!sent && since(restarted_at) < 15s) {
    std::vector<OutgoingMessage> after{message("after", "y")};
    sent = run(bus->send(q, std::move(after), soon(2s)));
    if (!sent) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(sent) << "no send got through after the restart: " << outcome(sent);
  auto got = run(bus->receive(q, up_to(10, 1s), soon()));
  ASSERT_TRUE(got) << outcome(got);
  std::vector<std::string> ids;
  for (const auto& m : *got) ids.push_back(m.id);
  EXPECT_THAT(ids, ::testing::ElementsAre("before", "after")) << "a message sent before the crash was lost";
  bus->close();
}

TEST(NatsBus, GivesBackADeliveryWhoseReceiverDiedAfterVisibilityAndGrace) {
  auto* server = test::NatsServer::start_or_skip();
  if (server == nullptr) return;
  NatsBusOptions options;
  options.visibility_grace = 500ms;
  auto first = open_on(*server, options);
  auto second = open_on(*server, options);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const std::string q = "orphan-" + std::to_string(getpid());
  ASSERT_TRUE(run(first->declare_queue(q, visible_for(300ms), soon())));
  std::vector<OutgoingMessage> one{message("orphan", "x")};
  ASSERT_TRUE(run(first->send(q, std::move(one), soon())));
  auto held = run(first->receive(q, up_to(1), soon()));
  ASSERT_TRUE(held) << outcome(held);
  ASSERT_EQ(held->size(), 1u);
  const auto received_at = Clock::now();
  first->close();  // the receiver dies: nobody naks at the end of its visibility

  auto taken = run(second->receive(q, up_to(1, 5s), soon()));
  ASSERT_TRUE(taken) << outcome(taken);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0].receive_count, 2u);
  EXPECT_GE(since(received_at), 700ms) << "back before visibility + grace";
  EXPECT_LT(since(received_at), 3000ms);
  second->close();
}

TEST(NatsBus, RefusesAReceiveWhenItHoldsAsManyDeliveriesAsItMay) {
  auto* server = test::NatsServer::start_or_skip();
  if (server == nullptr) return;
  NatsBusOptions options;
  options.max_deliveries = 2;
  auto bus = open_on(*server, options);
  ASSERT_NE(bus, nullptr);
  const std::string q = "full-book-" + std::to_string(getpid());
  ASSERT_TRUE(run(bus->declare_queue(q, {}, soon())));
  std::vector<OutgoingMessage> three{message("a", "x"), message("b", "y"), message("c", "z")};
  ASSERT_TRUE(run(bus->send(q, std::move(three), soon())));

  auto held = run(bus->receive(q, up_to(10), soon()));
  ASSERT_TRUE(held) << outcome(held);
  EXPECT_EQ(held->size(), 2u) << "took more deliveries than it may hold";
  auto refused = run(bus->receive(q, up_to(10), soon()));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted) << outcome(refused);

  ASSERT_TRUE(run(bus->ack(q, {(*held)[0].receipt}, soon())));
  auto room = run(bus->receive(q, up_to(10), soon()));
  ASSERT_TRUE(room) << outcome(room);
  ASSERT_EQ(room->size(), 1u);
  EXPECT_EQ((*room)[0].id, "c");
  bus->close();
}

// Not in the conformance suite: the contract says calls after close()
// fail, not that close() ends a call already waiting.
TEST(NatsBus, CloseEndsALongPollAtOnce) {
  auto* server = test::NatsServer::start_or_skip();
  if (server == nullptr) return;
  auto bus = open_on(*server);
  ASSERT_NE(bus, nullptr);
  const std::string q = "closing-" + std::to_string(getpid());
  ASSERT_TRUE(run(bus->declare_queue(q, {}, soon())));
  ASSERT_TRUE(run(bus->receive(q, up_to(1), soon())));  // the queue's receiving side is up
  Result<std::vector<QueueMessage>> polled = Error::internal("not run");
  std::thread poller([&] { polled = run(bus->receive(q, up_to(1, 20s), soon(30s))); });
  // No event says "the poll is waiting now": give it time to get there.
  std::this_thread::sleep_for(300ms);
  const auto closing = Clock::now();
  bus->close();
  poller.join();
  EXPECT_LT(since(closing), 2000ms);
  ASSERT_FALSE(polled);
  EXPECT_EQ(polled.error().code, ErrorCode::kUnavailable) << outcome(polled);
}

}  // namespace
}  // namespace cafe::bus::testing
