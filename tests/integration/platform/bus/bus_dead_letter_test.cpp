// Dead letters, redrive and purge, on every backend.
#include "bus_fixture.h"

#include <gmock/gmock.h>

namespace cafe::bus::testing {
namespace {

using ::testing::IsEmpty;

// Receives `queue`'s one message and nacks it at once; answers its receive
// count (0 when nothing came).
std::uint32_t receive_and_nack(Bus& bus, const std::string& queue);

TEST_P(BusConformance, DeadLettersAMessageReceivedMaxReceivesTimesAndRedrivesIt) {
  const std::string q = queue(visible_for(30s, 2));
  const std::int64_t before = unix_ms();
  ASSERT_TRUE(send_one(q, "doomed", "payload"));

  for (std::uint32_t n = 1; n <= 2; ++n) {
    auto got = receive(q, up_to(1, 2s));
    ASSERT_TRUE(got) << outcome(got);
    ASSERT_EQ(got->size(), 1u) << "receive " << n;
    EXPECT_EQ((*got)[0].receive_count, n);
    ASSERT_TRUE(run(bus_->nack(q, {(*got)[0].receipt}, 0ms, soon())));
  }
  auto after_limit = receive(q, up_to(1, 500ms));
  ASSERT_TRUE(after_limit) << outcome(after_limit);
  EXPECT_THAT(*after_limit, IsEmpty()) << "handed out beyond max_receives";

  auto dead = run(bus_->dead_letters(q, 10, soon()));
  ASSERT_TRUE(dead) << outcome(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, "doomed");
  EXPECT_EQ((*dead)[0].body, "payload");
  EXPECT_EQ((*dead)[0].receive_count, 2u);
  EXPECT_GE((*dead)[0].sent_at_ms, before - 1000);
  QueueStats s = stats_of(q);
  EXPECT_EQ(s.dead, 1u);
  EXPECT_EQ(s.ready, 0u);
  EXPECT_EQ(s.in_flight, 0u);

  auto peeked_again = run(bus_->dead_letters(q, 10, soon()));
  ASSERT_TRUE(peeked_again) << outcome(peeked_again);
  EXPECT_EQ(peeked_again->size(), 1u) << "dead_letters is a peek";

  auto moved = run(bus_->redrive(q, 10, soon()));
  ASSERT_TRUE(moved) << outcome(moved);
  EXPECT_EQ(*moved, 1u);
  auto none = run(bus_->dead_letters(q, 10, soon()));
  ASSERT_TRUE(none) << outcome(none);
  EXPECT_THAT(*none, IsEmpty());

  auto back = receive(q, up_to(1, 2s));
  ASSERT_TRUE(back) << outcome(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].id, "doomed");
  EXPECT_EQ((*back)[0].body, "payload");
  EXPECT_EQ((*back)[0].receive_count, 1u) << "redrive resets the receive count";
  EXPECT_TRUE(ack(q, {(*back)[0].receipt}));
  s = stats_of(q);
  EXPECT_EQ(s.dead, 0u);
  EXPECT_EQ(s.ready + s.in_flight, 0u);
}

TEST_P(BusConformance, ARedrivenMessageThatFailsAgainIsDeadLetteredAgain) {
  const std::string q = queue(visible_for(30s, 1));
  ASSERT_TRUE(send_one(q, "twice"));
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(receive_and_nack(*bus_, q), 1u) << "round " << round;
    auto empty = receive(q, up_to(1, 300ms));
    ASSERT_TRUE(empty) << outcome(empty);
    EXPECT_THAT(*empty, IsEmpty());
    auto dead = run(bus_->dead_letters(q, 10, soon()));
    ASSERT_TRUE(dead) << outcome(dead);
    ASSERT_EQ(dead->size(), 1u) << "round " << round;
    if (round == 0) {
      auto moved = run(bus_->redrive(q, 10, soon()));
      ASSERT_TRUE(moved) << outcome(moved);
      EXPECT_EQ(*moved, 1u);
    }
  }
}

TEST_P(BusConformance, RedrivesNoMoreThanItsLimitOldestFirst) {
  const std::string q = queue(visible_for(30s, 1));
  for (const char* id : {"d1", "d2", "d3"}) {
    ASSERT_TRUE(send_one(q, id));
    EXPECT_EQ(receive_and_nack(*bus_, q), 1u);
    auto empty = receive(q, up_to(1, 300ms));  // moves it to the dead letters
    ASSERT_TRUE(empty) << outcome(empty);
    ASSERT_THAT(*empty, IsEmpty());
  }
  auto dead = run(bus_->dead_letters(q, 2, soon()));
  ASSERT_TRUE(dead) << outcome(dead);
  ASSERT_EQ(dead->size(), 2u);
  EXPECT_EQ((*dead)[0].id, "d1");
  EXPECT_EQ((*dead)[1].id, "d2");

  auto moved = run(bus_->redrive(q, 2, soon()));
  ASSERT_TRUE(moved) << outcome(moved);
  EXPECT_EQ(*moved, 2u);
  auto left = run(bus_->dead_letters(q, 10, soon()));
  ASSERT_TRUE(left) << outcome(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, "d3");
  auto back = receive(q, up_to(10, 1s));
  ASSERT_TRUE(back) << outcome(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].id, "d1");
  EXPECT_EQ((*back)[1].id, "d2");
}

TEST_P(BusConformance, PurgeDropsReadyInFlightAndDeadMessages) {
  const std::string q = queue(visible_for(30s, 1));
  ASSERT_TRUE(send_one(q, "dead"));
  EXPECT_EQ(receive_and_nack(*bus_, q), 1u);
  auto none = receive(q, up_to(1, 300ms));
  ASSERT_TRUE(none) << outcome(none);
  ASSERT_THAT(*none, IsEmpty());
  ASSERT_TRUE(send(q, {message("in-flight", "x"), message("ready", "y")}));
  auto held = receive(q, up_to(1));
  ASSERT_TRUE(held) << outcome(held);
  ASSERT_EQ(held->size(), 1u);
  QueueStats s = stats_of(q);
  EXPECT_EQ(s.ready, 1u);
  EXPECT_EQ(s.in_flight, 1u);
  EXPECT_EQ(s.dead, 1u);

  auto purged = run(bus_->purge(q, soon()));
  ASSERT_TRUE(purged) << outcome(purged);
  EXPECT_EQ(*purged, 3u);
  s = stats_of(q);
  EXPECT_EQ(s.ready, 0u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.dead, 0u);
  EXPECT_EQ(s.oldest_age_ms, 0);
  auto after = receive(q, up_to(10));
  ASSERT_TRUE(after) << outcome(after);
  EXPECT_THAT(*after, IsEmpty());
  EXPECT_TRUE(ack(q, {(*held)[0].receipt})) << "acking a purged delivery is refused quietly";
  ASSERT_TRUE(send_one(q, "fresh")) << "the queue takes messages after a purge";
}

std::uint32_t receive_and_nack(Bus& bus, const std::string& queue) {
  auto got = run(bus.receive(queue, up_to(1, 2s), soon()));
  EXPECT_TRUE(got) << outcome(got);
  if (!got || got->size() != 1) return 0;
  auto nacked = run(bus.nack(queue, {(*got)[0].receipt}, 0ms, soon()));
  EXPECT_TRUE(nacked) << outcome(nacked);
  return (*got)[0].receive_count;
}

}  // namespace
}  // namespace cafe::bus::testing
