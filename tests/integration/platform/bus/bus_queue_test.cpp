// Queues: what a receiver sees of sends, visibility, acks, nacks, extends
// and delays, on every backend.
#include "bus_fixture.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gmock/gmock.h>

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> ids_of(const std::vector<QueueMessage>& messages) {
  std::vector<std::string> ids;
  for (const auto& m : messages) ids.push_back(m.id);
  return ids;
}

std::vector<std::string> receipts_of(const std::vector<QueueMessage>& messages) {
  std::vector<std::string> receipts;
  for (const auto& m : messages) receipts.push_back(m.receipt);
  return receipts;
}

TEST_P(BusConformance, ReceivesWhatWasSentInOrderWithIdsBodiesAndCounts) {
  const std::string q = queue();
  const std::int64_t before = unix_ms();
  ASSERT_TRUE(send(q, {message("a", "first"), message("b", "second"), message("c", "")}));
  const std::int64_t after = unix_ms();

  auto got = receive(q, up_to(10));
  ASSERT_TRUE(got) << outcome(got);
  ASSERT_THAT(ids_of(*got), ElementsAre("a", "b", "c"));
  EXPECT_EQ((*got)[0].body, "first");
  EXPECT_EQ((*got)[1].body, "second");
  EXPECT_EQ((*got)[2].body, "");
  for (const auto& m : *got) {
    EXPECT_EQ(m.receive_count, 1u);
    EXPECT_FALSE(m.receipt.empty());
    EXPECT_GE(m.sent_at_ms, before - 1000);
    EXPECT_LE(m.sent_at_ms, after + 1000);
  }
  EXPECT_NE((*got)[0].receipt, (*got)[1].receipt);

  auto acked = ack(q, receipts_of(*got));
  ASSERT_TRUE(acked) << outcome(acked);
  const QueueStats s = stats_of(q);
  EXPECT_EQ(s.ready, 0u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.dead, 0u);
  auto again = receive(q);
  ASSERT_TRUE(again) << outcome(again);
  EXPECT_THAT(*again, IsEmpty());
}

TEST_P(BusConformance, RedeliversAMessageNotAckedWithinItsVisibility) {
  const std::string q = queue(visible_for(300ms));
  ASSERT_TRUE(send_one(q, "m"));
  auto first = receive(q);
  ASSERT_TRUE(first) << outcome(first);
  ASSERT_THAT(ids_of(*first), ElementsAre("m"));
  const auto received_at = Clock::now();

  auto hidden = receive(q);
  ASSERT_TRUE(hidden) << outcome(hidden);
  EXPECT_THAT(*hidden, IsEmpty()) << "visible again before its visibility ended";

  auto second = receive(q, up_to(10, 5s));
  ASSERT_TRUE(second) << outcome(second);
  ASSERT_THAT(ids_of(*second), ElementsAre("m"));
  EXPECT_EQ((*second)[0].receive_count, 2u);
  EXPECT_GE(since(received_at), 250ms);
  EXPECT_LT(since(received_at), 2000ms);
}

TEST_P(BusConformance, AReceiveMayChooseItsOwnVisibility) {
  const std::string q = queue(visible_for(30s));
  ASSERT_TRUE(send_one(q, "m"));
  auto first = receive(q, up_to(1, 0ms, 300ms));
  ASSERT_TRUE(first) << outcome(first);
  ASSERT_EQ(first->size(), 1u);
  const auto received_at = Clock::now();

  auto second = receive(q, up_to(1, 5s));
  ASSERT_TRUE(second) << outcome(second);
  ASSERT_THAT(ids_of(*second), ElementsAre("m"));
  EXPECT_GE(since(received_at), 250ms);
  EXPECT_LT(since(received_at), 2000ms);
}

TEST_P(BusConformance, ExtendKeepsAMessageHiddenPastItsVisibility) {
  const std::string q = queue(visible_for(300ms));
  ASSERT_TRUE(send_one(q, "m"));
  auto first = receive(q);
  ASSERT_TRUE(first) << outcome(first);
  ASSERT_EQ(first->size(), 1u);
  const auto extended_at = Clock::now();
  auto extended = run(bus_->extend(q, {(*first)[0].receipt}, 1500ms, soon()));
  ASSERT_TRUE(extended) << outcome(extended);

  auto during = receive(q, up_to(1, 700ms));
  ASSERT_TRUE(during) << outcome(during);
  EXPECT_THAT(*during, IsEmpty()) << "visible at its old visibility despite extend";

  auto after = receive(q, up_to(1, 5s));
  ASSERT_TRUE(after) << outcome(after);
  ASSERT_THAT(ids_of(*after), ElementsAre("m"));
  EXPECT_GE(since(extended_at), 1400ms);
  EXPECT_EQ((*after)[0].receive_count, 2u);

  // The first receipt is stale now: extending it is refused quietly.
  auto stale = run(bus_->extend(q, {(*first)[0].receipt}, 10s, soon()));
  EXPECT_TRUE(stale) << outcome(stale);
  EXPECT_TRUE(ack(q, {(*after)[0].receipt}));
}

TEST_P(BusConformance, NackMakesAMessageVisibleAgainAfterItsDelay) {
  const std::string q = queue(visible_for(30s));
  ASSERT_TRUE(send_one(q, "m"));
  auto first = receive(q);
  ASSERT_TRUE(first) << outcome(first);
  ASSERT_EQ(first->size(), 1u);

  auto nacked = run(bus_->nack(q, {(*first)[0].receipt}, 0ms, soon()));
  ASSERT_TRUE(nacked) << outcome(nacked);
  const auto nacked_at = Clock::now();
  auto second = receive(q, up_to(1, 2s));
  ASSERT_TRUE(second) << outcome(second);
  ASSERT_THAT(ids_of(*second), ElementsAre("m"));
  EXPECT_EQ((*second)[0].receive_count, 2u);
  EXPECT_LT(since(nacked_at), 1000ms);

  nacked = run(bus_->nack(q, {(*second)[0].receipt}, 500ms, soon()));
  ASSERT_TRUE(nacked) << outcome(nacked);
  const auto delayed_at = Clock::now();
  auto early = receive(q);
  ASSERT_TRUE(early) << outcome(early);
  EXPECT_THAT(*early, IsEmpty()) << "visible before the nack's delay";
  auto third = receive(q, up_to(1, 5s));
  ASSERT_TRUE(third) << outcome(third);
  ASSERT_THAT(ids_of(*third), ElementsAre("m"));
  EXPECT_EQ((*third)[0].receive_count, 3u);
  EXPECT_GE(since(delayed_at), 450ms);
}

TEST_P(BusConformance, RefusesAnAckWithAStaleReceiptQuietly) {
  const std::string q = queue(visible_for(300ms));
  ASSERT_TRUE(send_one(q, "m"));
  auto first = receive(q);
  ASSERT_TRUE(first) << outcome(first);
  ASSERT_EQ(first->size(), 1u);
  auto second = receive(q, up_to(1, 5s));  // after the visibility ran out
  ASSERT_TRUE(second) << outcome(second);
  ASSERT_EQ(second->size(), 1u);

  auto stale = ack(q, {(*first)[0].receipt});
  EXPECT_TRUE(stale) << outcome(stale);
  EXPECT_EQ(stats_of(q).in_flight, 1u) << "a stale receipt deleted the message";

  // Still there: nacked, it comes back a third time.
  ASSERT_TRUE(run(bus_->nack(q, {(*second)[0].receipt}, 0ms, soon())));
  auto third = receive(q, up_to(1, 2s));
  ASSERT_TRUE(third) << outcome(third);
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ((*third)[0].receive_count, 3u);
  EXPECT_TRUE(ack(q, {(*third)[0].receipt}));
  EXPECT_TRUE(ack(q, {(*third)[0].receipt})) << "a second ack of one receipt is refused quietly";
  EXPECT_EQ(stats_of(q).in_flight, 0u);
}

TEST_P(BusConformance, HidesADelayedMessageUntilItsDelayPasses) {
  const std::string q = queue();
  const auto sent_at = Clock::now();
  ASSERT_TRUE(send_one(q, "later", "body", 600ms));
  ASSERT_TRUE(send_one(q, "now"));

  auto first = receive(q, up_to(10));
  ASSERT_TRUE(first) << outcome(first);
  EXPECT_THAT(ids_of(*first), ElementsAre("now"));

  std::vector<QueueMessage> later;
  while (later.empty() && since(sent_at) < 5s) {
    auto got = receive(q, up_to(10, 5s));
    ASSERT_TRUE(got) << outcome(got);
    later = std::move(*got);
  }
  ASSERT_THAT(ids_of(later), ElementsAre("later"));
  EXPECT_GE(since(sent_at), 550ms);
  EXPECT_EQ(later[0].receive_count, 1u) << "the wait for the delay counted as a receive";
}

TEST_P(BusConformance, ALongPollReturnsAsSoonAsAMessageIsSent) {
  const std::string q = queue();
  auto& io = io_thread().context();
  const auto started = Clock::now();
  auto poll = asio::co_spawn(io, bus_->receive(q, up_to(10, 5s), soon()), asio::use_future);
  auto sender = [&]() -> asio::awaitable<Result<void>> {
    asio::steady_timer pause(co_await asio::this_coro::executor, 200ms);
    co_await pause.async_wait(asio::use_awaitable);
    std::vector<OutgoingMessage> one{message("wake", "up")};
    co_return co_await bus_->send(q, std::move(one), soon());
  };
  auto sent = asio::co_spawn(io, sender(), asio::use_future);
  auto got = poll.get();
  const auto answered = Clock::now();
  ASSERT_TRUE(sent.get());
  ASSERT_TRUE(got) << outcome(got);
  EXPECT_THAT(ids_of(*got), ElementsAre("wake"));
  EXPECT_GE(answered - started, 150ms) << "answered before anything was sent";
  EXPECT_LT(answered - started, 1500ms);
}

TEST_P(BusConformance, ALongPollEndsEmptyWhenItsWaitEnds) {
  const std::string q = queue();
  const auto started = Clock::now();
  auto got = receive(q, up_to(10, 400ms));
  ASSERT_TRUE(got) << outcome(got);
  EXPECT_THAT(*got, IsEmpty());
  EXPECT_GE(since(started), 350ms);
  EXPECT_LT(since(started), 2000ms);
}

TEST_P(BusConformance, ALongPollNeverWaitsPastItsDeadline) {
  const std::string q = queue();
  const auto started = Clock::now();
  auto got = receive(q, up_to(10, 10s), Deadline::after(400ms));
  EXPECT_LT(since(started), 700ms);
  // Both are within the contract: an empty batch, or the deadline's error.
  if (got) {
    EXPECT_THAT(*got, IsEmpty());
  } else {
    EXPECT_EQ(got.error().code, ErrorCode::kDeadlineExceeded) << outcome(got);
  }
}

TEST_P(BusConformance, SendsReceivesAndAcksInBatches) {
  const std::string q = queue();
  std::vector<OutgoingMessage> batch;
  for (int i = 0; i < 300; ++i) batch.push_back(message("m" + std::to_string(1000 + i), std::to_string(i)));
  auto sent = send(q, batch);
  ASSERT_TRUE(sent) << outcome(sent);
  EXPECT_EQ(stats_of(q).ready, 300u);

  std::vector<QueueMessage> all;
  for (int round = 0; round < 10 && all.size() < 300; ++round) {
    auto got = receive(q, up_to(100, 1s));
    ASSERT_TRUE(got) << outcome(got);
    EXPECT_LE(got->size(), 100u);
    for (auto& m : *got) all.push_back(std::move(m));
  }
  ASSERT_EQ(all.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(all[static_cast<std::size_t>(i)].id, "m" + std::to_string(1000 + i));
  }
  EXPECT_EQ(stats_of(q).in_flight, 300u);
  for (std::size_t from = 0; from < all.size(); from += 100) {
    std::vector<QueueMessage> part(all.begin() + static_cast<std::ptrdiff_t>(from),
                                   all.begin() + static_cast<std::ptrdiff_t>(from + 100));
    auto acked = ack(q, receipts_of(part));
    ASSERT_TRUE(acked) << outcome(acked);
  }
  const QueueStats s = stats_of(q);
  EXPECT_EQ(s.ready, 0u);
  EXPECT_EQ(s.in_flight, 0u);
}

TEST_P(BusConformance, PeekShowsMessagesOldestFirstWithoutReceivingThem) {
  const std::string q = queue();
  ASSERT_TRUE(send(q, {message("a", "first"), message("b", "second"), message("c", "third")}));
  auto held = receive(q, up_to(1));
  ASSERT_TRUE(held) << outcome(held);
  ASSERT_THAT(ids_of(*held), ElementsAre("a"));

  auto peeked = run(bus_->peek(q, 10, soon()));
  ASSERT_TRUE(peeked) << outcome(peeked);
  EXPECT_THAT(ids_of(*peeked), ElementsAre("a", "b", "c")) << "in flight and ready, oldest first";
  EXPECT_EQ((*peeked)[1].body, "second");
  for (const auto& m : *peeked) EXPECT_TRUE(m.receipt.empty());
  auto two = run(bus_->peek(q, 2, soon()));
  ASSERT_TRUE(two) << outcome(two);
  EXPECT_THAT(ids_of(*two), ElementsAre("a", "b"));

  const QueueStats s = stats_of(q);
  EXPECT_EQ(s.ready, 2u) << "peek received something";
  EXPECT_EQ(s.in_flight, 1u);
  auto next = receive(q, up_to(10));
  ASSERT_TRUE(next) << outcome(next);
  EXPECT_THAT(ids_of(*next), ElementsAre("b", "c"));
  for (const auto& m : *next) EXPECT_EQ(m.receive_count, 1u);
}

TEST_P(BusConformance, CountsReadyInFlightAndDeadMessagesAndTheOldestAge) {
  const std::string q = queue();
  ASSERT_TRUE(send(q, {message("a", "x"), message("b", "y")}));
  auto got = receive(q, up_to(1));
  ASSERT_TRUE(got) << outcome(got);
  ASSERT_EQ(got->size(), 1u);
  const QueueStats s = stats_of(q);
  EXPECT_EQ(s.ready, 1u);
  EXPECT_EQ(s.in_flight, 1u);
  EXPECT_EQ(s.dead, 0u);
  EXPECT_GE(s.oldest_age_ms, 0);
  EXPECT_LT(s.oldest_age_ms, 60'000);
}

}  // namespace
}  // namespace cafe::bus::testing
