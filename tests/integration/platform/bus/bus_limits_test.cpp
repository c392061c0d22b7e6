// What every backend refuses, and how: full queues, bad arguments,
// undeclared names, a closed bus.
#include "bus_fixture.h"

#include <gmock/gmock.h>

namespace cafe::bus::testing {
namespace {

template <class R>
void expect_code(const R& r, ErrorCode code, std::string_view what) {
  ASSERT_FALSE(r) << what << " succeeded";
  EXPECT_EQ(r.error().code, code) << what << ": " << outcome(r);
}

TEST_P(BusConformance, RefusesSendsBeyondTheQueueDepth) {
  const std::string q = queue(holding_messages(5));
  std::vector<OutgoingMessage> five;
  for (int i = 0; i < 5; ++i) five.push_back(message("m" + std::to_string(i), "x"));
  ASSERT_TRUE(send(q, five));
  expect_code(send_one(q, "sixth"), ErrorCode::kResourceExhausted, "a sixth message");
  EXPECT_EQ(stats_of(q).ready, 5u) << "a refused send was stored";

  auto got = receive(q, up_to(1));
  ASSERT_TRUE(got) << outcome(got);
  ASSERT_EQ(got->size(), 1u);
  expect_code(send_one(q, "still-full"), ErrorCode::kResourceExhausted, "a send while one is in flight");
  ASSERT_TRUE(ack(q, {(*got)[0].receipt}));
  auto room = send_one(q, "after-ack");
  EXPECT_TRUE(room) << outcome(room);
}

TEST_P(BusConformance, RefusesSendsBeyondTheQueueSize) {
  const std::string q = queue(holding_bytes(kMaxBodyBytes));  // the smallest a queue may be
  const std::string part(80 << 10, 'k');
  ASSERT_TRUE(send(q, {message("a", part), message("b", part), message("c", part)}));
  expect_code(send_one(q, "big", std::string(30 << 10, 'b')), ErrorCode::kResourceExhausted,
              "a send past max_bytes");
  EXPECT_EQ(stats_of(q).ready, 3u) << "a refused send was stored, or an old message dropped";
}

TEST_P(BusConformance, RefusesBadNamesOversizedBodiesAndBadSizes) {
  for (const std::string& bad :
       std::vector<std::string>{"", "Upper", "dot.ted", "space d", "-lead", std::string(65, 'a')}) {
    expect_code(run(bus_->declare_queue(bad, {}, soon())), ErrorCode::kInvalidArgument,
                "queue '" + bad + "'");
    expect_code(run(bus_->declare_stream(bad, {}, soon())), ErrorCode::kInvalidArgument,
                "stream '" + bad + "'");
    expect_code(send_one(bad, "id"), ErrorCode::kInvalidArgument, "a send to '" + bad + "'");
  }
  const std::string q = queue();
  expect_code(send_one(q, "big", std::string(kMaxBodyBytes + 1, 'x')), ErrorCode::kPayloadTooLarge,
              "an oversized body");
  expect_code(send_one(q, "has space"), ErrorCode::kInvalidArgument, "an id with a space");
  auto largest = send_one(q, "largest", std::string(kMaxBodyBytes, 'x'));
  EXPECT_TRUE(largest) << outcome(largest);
  std::vector<OutgoingMessage> too_many(kMaxBatch + 1, message("same", "x"));
  expect_code(send(q, too_many), ErrorCode::kInvalidArgument, "a batch over kMaxBatch");
  expect_code(receive(q, up_to(0)), ErrorCode::kInvalidArgument, "receiving 0");
  expect_code(receive(q, up_to(kMaxBatch + 1)), ErrorCode::kInvalidArgument, "receiving too many");
  expect_code(run(bus_->declare_queue(fresh("q"), visible_for(30s, 0), soon())), ErrorCode::kInvalidArgument,
              "max_receives 0");

  const std::string s = stream();
  std::vector<StreamEntry> big{
      {.partition_key = "k", .id = "e", .body = std::string(kMaxBodyBytes + 1, 'x')}};
  expect_code(append(s, big), ErrorCode::kPayloadTooLarge, "an oversized record");
  expect_code(read(s, StreamPosition::at_offset(0), records(0)), ErrorCode::kInvalidArgument,
              "reading 0 records");
  expect_code(run(bus_->commit(s, "Bad Group", 1, soon())), ErrorCode::kInvalidArgument, "a bad group name");
}

TEST_P(BusConformance, AnswersNotFoundForUndeclaredQueuesAndStreams) {
  const std::string q = fresh("never");
  expect_code(send_one(q, "id"), ErrorCode::kNotFound, "send");
  expect_code(receive(q), ErrorCode::kNotFound, "receive");
  expect_code(ack(q, {"no-such-receipt"}), ErrorCode::kNotFound, "ack");
  expect_code(run(bus_->nack(q, {"no-such-receipt"}, 0ms, soon())), ErrorCode::kNotFound, "nack");
  expect_code(run(bus_->extend(q, {"no-such-receipt"}, 1s, soon())), ErrorCode::kNotFound, "extend");
  expect_code(run(bus_->dead_letters(q, 10, soon())), ErrorCode::kNotFound, "dead_letters");
  expect_code(run(bus_->redrive(q, 10, soon())), ErrorCode::kNotFound, "redrive");
  expect_code(run(bus_->purge(q, soon())), ErrorCode::kNotFound, "purge");
  expect_code(run(bus_->peek(q, 10, soon())), ErrorCode::kNotFound, "peek");

  const std::string s = fresh("never");
  expect_code(append(s, entries("e", 1)), ErrorCode::kNotFound, "append");
  expect_code(read(s, StreamPosition::at_offset(0)), ErrorCode::kNotFound, "read from an offset");
  expect_code(read(s, StreamPosition::at_time(unix_ms())), ErrorCode::kNotFound, "read from a time");
  expect_code(read(s, StreamPosition::after_group("g")), ErrorCode::kNotFound, "read after a group");
  expect_code(run(bus_->commit(s, "g", 1, soon())), ErrorCode::kNotFound, "commit");
  expect_code(run(bus_->committed(s, "g", soon())), ErrorCode::kNotFound, "committed");
}

TEST_P(BusConformance, DeclaringAgainIsIdempotentAndKeepsTheMessages) {
  const std::string q = queue(visible_for(30s));
  ASSERT_TRUE(send_one(q, "kept"));
  auto again = run(bus_->declare_queue(q, visible_for(20s), soon()));
  ASSERT_TRUE(again) << outcome(again);
  auto got = receive(q, up_to(10));
  ASSERT_TRUE(got) << outcome(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, "kept");

  const std::string s = stream();
  ASSERT_TRUE(append(s, entries("e", 2)));
  auto redeclared = run(bus_->declare_stream(s, kept_for(1h), soon()));
  ASSERT_TRUE(redeclared) << outcome(redeclared);
  auto records = read(s, StreamPosition::at_offset(0));
  ASSERT_TRUE(records) << outcome(records);
  EXPECT_EQ(records->size(), 2u);
}

TEST_P(BusConformance, CloseEndsEveryCallWithUnavailable) {
  const std::string q = queue();
  const std::string s = stream();
  bus_->close();
  expect_code(send_one(q, "late"), ErrorCode::kUnavailable, "send");
  expect_code(receive(q), ErrorCode::kUnavailable, "receive");
  expect_code(run(bus_->declare_queue(fresh("q"), {}, soon())), ErrorCode::kUnavailable, "declare_queue");
  expect_code(append(s, entries("e", 1)), ErrorCode::kUnavailable, "append");
  expect_code(read(s, StreamPosition::at_offset(0)), ErrorCode::kUnavailable, "read");
  expect_code(run(bus_->queue_stats(soon())), ErrorCode::kUnavailable, "queue_stats");
  bus_->close();  // idempotent
}

}  // namespace
}  // namespace cafe::bus::testing
