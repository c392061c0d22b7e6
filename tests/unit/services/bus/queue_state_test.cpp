#include "services/bus/engine/queue_state.h"

#include <gtest/gtest.h>

namespace cafe::bus::engine {
namespace {

StoredMessage message(std::int64_t seq, std::int64_t visible_at = 0, std::string body = "{}") {
  return StoredMessage{seq, "m" + std::to_string(seq), std::move(body), 0, visible_at, 0, false};
}

QueueState queue(std::uint32_t max_receives = 3) {
  QueueOptions o;
  o.max_receives = max_receives;
  o.max_messages = 3;
  o.max_bytes = 1000;
  return QueueState(o);
}

TEST(QueueState, HidesAReceivedMessageForItsVisibilityAndCountsEachReceive) {
  QueueState q = queue();
  q.add(message(1));
  auto first = q.receive(100, 10, 50);
  ASSERT_EQ(first.delivered.size(), 1u);
  EXPECT_EQ(first.delivered[0].receive_count, 1u);
  EXPECT_EQ(first.updated[0].visible_at_ms, 150);
  EXPECT_TRUE(q.receive(149, 10, 50).delivered.empty());
  auto again = q.receive(150, 10, 50);
  ASSERT_EQ(again.delivered.size(), 1u);
  EXPECT_EQ(again.delivered[0].receive_count, 2u);
  EXPECT_NE(again.delivered[0].receipt, first.delivered[0].receipt);
}

TEST(QueueState, DeadLettersAMessageReceivedMaxReceivesTimes) {
  QueueState q = queue(2);
  q.add(message(1));
  EXPECT_EQ(q.receive(0, 1, 10).delivered.size(), 1u);
  EXPECT_EQ(q.receive(10, 1, 10).delivered.size(), 1u);
  auto third = q.receive(20, 1, 10);
  EXPECT_TRUE(third.delivered.empty());
  EXPECT_EQ(third.dead_lettered, std::vector<std::int64_t>{1});
  EXPECT_EQ(q.stats(20).dead, 1u);
  EXPECT_EQ(q.dead_letters(10).size(), 1u);
  auto moved = q.redrive(10, 30);
  ASSERT_EQ(moved.size(), 1u);
  auto back = q.receive(30, 1, 10);
  ASSERT_EQ(back.delivered.size(), 1u);
  EXPECT_EQ(back.delivered[0].receive_count, 1u);
}

TEST(QueueState, IgnoresAnAckWhoseDeliveryWasSuperseded) {
  QueueState q = queue();
  q.add(message(1));
  const std::string stale = q.receive(0, 1, 10).delivered[0].receipt;
  const std::string current = q.receive(10, 1, 10).delivered[0].receipt;
  EXPECT_TRUE(q.ack({stale}).empty());
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.ack({current}), std::vector<std::int64_t>{1});
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.ack({current}).empty());
  EXPECT_TRUE(q.ack({"garbage", "1.", ".1", "1.0", "-1.1"}).empty());
}

TEST(QueueState, RefusesMessagesBeyondItsBounds) {
  QueueState q = queue();
  EXPECT_TRUE(q.admit(3, 10));
  EXPECT_EQ(q.admit(4, 10).error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(q.admit(1, 1001).error().code, ErrorCode::kResourceExhausted);
  q.add(message(1, 0, std::string(600, 'x')));
  EXPECT_EQ(q.admit(1, 500).error().code, ErrorCode::kResourceExhausted);
}

TEST(QueueState, KeepsADelayedMessageHiddenUntilItsTime) {
  QueueState q = queue();
  q.add(message(1, 500));
  EXPECT_FALSE(q.has_visible(499));
  EXPECT_EQ(q.next_visible_at(0), 500);
  EXPECT_TRUE(q.receive(499, 10, 10).delivered.empty());
  EXPECT_EQ(q.receive(500, 10, 10).delivered.size(), 1u);
}

TEST(QueueState, ExtendKeepsADeliveryOutLonger) {
  QueueState q = queue();
  q.add(message(1));
  const auto receipt = q.receive(0, 1, 100).delivered[0].receipt;
  EXPECT_EQ(q.change_visibility({receipt}, 1000).size(), 1u);
  EXPECT_EQ(q.stats(500).in_flight, 1u);
  EXPECT_TRUE(q.receive(999, 1, 100).delivered.empty());
  EXPECT_EQ(q.receive(1000, 1, 100).delivered.size(), 1u);
  EXPECT_EQ(q.stats(1000).in_flight, 1u);
}

TEST(QueueState, NackEndsTheDeliveryAndCountsTheMessageReadyDuringItsDelay) {
  QueueState q = queue();
  q.add(message(1));
  const auto receipt = q.receive(0, 1, 100).delivered[0].receipt;
  EXPECT_EQ(q.hand_back({receipt}, 1000).size(), 1u);
  EXPECT_EQ(q.stats(500).in_flight, 0u);
  EXPECT_EQ(q.stats(500).ready, 1u);
  EXPECT_TRUE(q.hand_back({receipt}, 2000).empty()) << "a delivery handed back is over";
  EXPECT_TRUE(q.receive(999, 1, 100).delivered.empty());
  EXPECT_EQ(q.receive(1000, 1, 100).delivered.size(), 1u);
}

TEST(QueueState, DropsDeadLettersPastTheirRetention) {
  QueueState q = queue(1);
  StoredMessage m = message(1);
  m.dead = true;
  m.sent_at_ms = 100;
  q.restore(m);
  EXPECT_TRUE(q.expire_dead(100).empty());
  EXPECT_EQ(q.expire_dead(101), std::vector<std::int64_t>{1});
  EXPECT_EQ(q.stats(0).dead, 0u);
}

}  // namespace
}  // namespace cafe::bus::engine
