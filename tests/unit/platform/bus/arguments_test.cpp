#include "platform/bus/internal/arguments.h"

#include <gtest/gtest.h>

namespace cafe::bus::internal {
namespace {

using namespace std::chrono_literals;

// The field the refusal names, or "" when it was accepted.
template <class R>
std::string refused_field(const R& r) {
  if (r) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().fields.empty() ? "?" : r.error().fields.front().field;
}

TEST(BusArguments, AcceptNamesOfLowercaseLettersDigitsDashesAndUnderscores) {
  EXPECT_EQ(refused_field(check_name("queue", "orders")), "");
  EXPECT_EQ(refused_field(check_name("queue", "order_events-2")), "");
  EXPECT_EQ(refused_field(check_name("queue", std::string(64, 'a'))), "");
  for (const char* bad : {"", "Orders", "a.b", "a b", "_lead", "a*", "a>"}) {
    EXPECT_EQ(refused_field(check_name("queue", bad)), "queue") << bad;
  }
  EXPECT_EQ(refused_field(check_name("stream", std::string(65, 'a'))), "stream");
}

TEST(BusArguments, RefuseIdsThatCannotTravelInAHeader) {
  EXPECT_EQ(refused_field(check_messages({{.id = "0192f0c5-aaaa", .body = "x", .delay = 0ms}})), "");
  EXPECT_EQ(refused_field(check_messages({{.id = "", .body = "x", .delay = 0ms}})), "id");
  EXPECT_EQ(refused_field(check_messages({{.id = "a\r\nX-Injected: 1", .body = "x", .delay = 0ms}})), "id");
  EXPECT_EQ(
      refused_field(check_messages({{.id = std::string(kMaxIdBytes + 1, 'i'), .body = "", .delay = 0ms}})),
      "id");
  EXPECT_EQ(refused_field(check_entries({{.partition_key = "k\n", .id = "e", .body = ""}})), "partition_key");
  EXPECT_EQ(refused_field(check_entries({{.partition_key = "", .id = "e", .body = ""}})), "");
}

TEST(BusArguments, RefuseBodiesOverTheLimitAndBatchesOverKMaxBatch) {
  EXPECT_EQ(
      refused_field(check_messages({{.id = "a", .body = std::string(kMaxBodyBytes, 'b'), .delay = 0ms}})),
      "");
  EXPECT_EQ(
      refused_field(check_messages({{.id = "a", .body = std::string(kMaxBodyBytes + 1, 'b'), .delay = 0ms}})),
      "body");
  EXPECT_EQ(refused_field(check_messages({})), "messages");
  std::vector<OutgoingMessage> too_many(kMaxBatch + 1, OutgoingMessage{.id = "a", .body = "", .delay = 0ms});
  EXPECT_EQ(refused_field(check_messages(too_many)), "messages");
  EXPECT_EQ(refused_field(check_messages({{.id = "a", .body = "", .delay = -1ms}})), "delay");
  EXPECT_EQ(refused_field(check_receive({.max_messages = 0, .wait = 0ms, .visibility = std::nullopt})),
            "max_messages");
  EXPECT_EQ(refused_field(check_receive({.max_messages = 1, .wait = 0ms, .visibility = 0ms})), "visibility");
  EXPECT_EQ(refused_field(check_read(StreamPosition::after_group("Bad"), {.max_records = 1, .wait = 0ms})),
            "group");
  EXPECT_EQ(refused_field(check_limit(0)), "limit");
}

TEST(BusArguments, RefuseQueueAndStreamOptionsThatCannotWork) {
  EXPECT_EQ(refused_field(check_queue_options({})), "");
  QueueOptions q;
  q.max_receives = 0;
  EXPECT_EQ(refused_field(check_queue_options(q)), "max_receives");
  q = {};
  q.visibility = 0ms;
  EXPECT_EQ(refused_field(check_queue_options(q)), "visibility");
  StreamOptions s;
  s.max_age = 0ms;
  EXPECT_EQ(refused_field(check_stream_options(s)), "max_age");
}

}  // namespace
}  // namespace cafe::bus::internal
