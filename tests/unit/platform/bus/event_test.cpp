#include "platform/bus/event.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <string>

namespace cafe::bus {
namespace {

using namespace std::chrono_literals;

Event order_placed() {
  return Event{.event_id = "0192f0c5-7a3e-7b21-9c4d-5e6f7a8b9c0d",
               .type = "OrderPlaced",
               .occurred_at = "2026-11-25T08:50:01.123Z",
               .source = "order",
               .partition_key = "ord_42",
               .version = 1,
               .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
               .data = boost::json::parse(
                   R"({"order_id":"ord_42","total_cents":1045,"lines":[{"item_id":"latte"}]})")};
}

// The envelope as JSON with one field replaced (or removed when `value` is
// empty), for the refusal cases.
std::string with_field(const std::string& field, const std::string& value) {
  boost::json::object o = boost::json::parse(to_json(order_placed())).as_object();
  if (value.empty()) {
    o.erase(field);
  } else {
    o[field] = boost::json::parse(value);
  }
  return boost::json::serialize(o);
}

void expect_refused(const std::string& text, const std::string& field, const std::string& words) {
  auto parsed = parse_event(text);
  ASSERT_FALSE(parsed) << text;
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(parsed.error().fields.size(), 1u) << parsed.error().detail;
  EXPECT_EQ(parsed.error().fields[0].field, field) << parsed.error().detail;
  EXPECT_NE(parsed.error().fields[0].message.find(words), std::string::npos)
      << parsed.error().fields[0].message;
}

TEST(Event, RoundTripsThroughItsJson) {
  const Event e = order_placed();
  auto parsed = parse_event(to_json(e));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(*parsed, e);
}

TEST(Event, WritesTheEnvelopeFieldsInOrder) {
  const std::string json = to_json(order_placed());
  EXPECT_EQ(json.find("{\"event_id\":"), 0u);
  EXPECT_LT(json.find("\"type\""), json.find("\"occurred_at\""));
  EXPECT_LT(json.find("\"trace_id\""), json.find("\"data\""));
}

TEST(Event, MakeEventGivesAFreshIdATimestampAndATrace) {
  const auto now = std::chrono::system_clock::time_point{} + 1'764'060'601'123ms;
  const Event e = make_event({.type = "OrderPaid",
                              .source = "order",
                              .partition_key = "ord_1",
                              .version = 2,
                              .data = boost::json::object{{"order_id", "ord_1"}},
                              .trace_id = {}},
                             now);
  EXPECT_TRUE(is_event_id(e.event_id));
  EXPECT_EQ(e.occurred_at, "2025-11-25T08:50:01.123Z");
  EXPECT_TRUE(is_trace_id(e.trace_id));
  EXPECT_TRUE(validate(e));
  const Event other = make_event({.type = "OrderPaid",
                                  .source = "order",
                                  .partition_key = "ord_1",
                                  .version = 2,
                                  .data = {},
                                  .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"},
                                 now);
  EXPECT_NE(other.event_id, e.event_id);
  EXPECT_EQ(other.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(Event, AcceptsAUlidAsItsId) {
  Event e = order_placed();
  e.event_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
  auto parsed = parse_event(to_json(e));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->event_id, e.event_id);
}

TEST(Event, RefusesAnUnknownField) {
  expect_refused(with_field("colour", "\"blue\""), "colour", "unknown field");
}

TEST(Event, RefusesEachMissingField) {
  for (const char* field :
       {"event_id", "type", "occurred_at", "source", "partition_key", "version", "trace_id", "data"}) {
    SCOPED_TRACE(field);
    expect_refused(with_field(field, ""), field, "is required");
  }
}

TEST(Event, RefusesFieldsOfTheWrongType) {
  expect_refused(with_field("version", "\"3\""), "version", "expected an integer");
  expect_refused(with_field("version", "1.5"), "version", "must be an integer");
  expect_refused(with_field("type", "7"), "type", "expected a string");
  expect_refused(with_field("data", "[1,2]"), "data", "expected an object");
  expect_refused(with_field("data", "\"{}\""), "data", "expected an object");
}

TEST(Event, RefusesBadFormats) {
  expect_refused(with_field("event_id", "\"0192F0C5-7A3E-7B21-9C4D-5E6F7A8B9C0D\""), "event_id", "UUID");
  expect_refused(with_field("event_id", "\"42\""), "event_id", "UUID");
  expect_refused(with_field("type", "\"orderPlaced\""), "type", "upper-case");
  expect_refused(with_field("type", "\"Order.Placed\""), "type", "letters and digits");
  expect_refused(with_field("occurred_at", "\"2026-11-25 08:50:01Z\""), "occurred_at", "RFC 3339");
  expect_refused(with_field("occurred_at", "\"2026-02-30T08:50:01Z\""), "occurred_at", "RFC 3339");
  expect_refused(with_field("occurred_at", "\"2026-11-25T08:50:01+01:00\""), "occurred_at", "RFC 3339");
  expect_refused(with_field("source", "\"Order\""), "source", "lower-case");
  expect_refused(with_field("partition_key", "\"\""), "partition_key", "visible ASCII");
  expect_refused(with_field("partition_key", "\"two words\""), "partition_key", "visible ASCII");
  expect_refused(with_field("version", "-1"), "version", "between 0 and");
  expect_refused(with_field("trace_id", "\"00000000000000000000000000000000\""), "trace_id", "not all zero");
  expect_refused(with_field("trace_id", "\"4BF92F3577B34DA6A3CE929D0E0E4736\""), "trace_id",
                 "lower-case hex");
}

TEST(Event, NamesEveryBadFieldAtOnce) {
  boost::json::object o = boost::json::parse(to_json(order_placed())).as_object();
  o["type"] = "bad type";
  o["source"] = "Bad";
  auto parsed = parse_event(boost::json::serialize(o));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().fields.size(), 2u);
  EXPECT_NE(parsed.error().detail.find("event has 2 invalid fields"), std::string::npos)
      << parsed.error().detail;
}

TEST(Event, RefusesWhatIsNotAnObject) {
  for (const char* text : {"[]", "\"event\"", "null", "42"}) {
    auto parsed = parse_event(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

TEST(Event, RefusesMalformedJsonWithWhereItBroke) {
  auto parsed = parse_event(R"({"event_id": )");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().detail.find("truncated"), std::string::npos) << parsed.error().detail;
  EXPECT_FALSE(parse_event(""));
}

TEST(Event, RefusesAnEventOverTheSizeLimit) {
  Event e = order_placed();
  e.data = boost::json::object{{"note", std::string(kMaxEventBytes, 'x')}};
  auto valid = validate(e);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(valid.error().detail.find("the limit is"), std::string::npos);
  auto parsed = parse_event(to_json(e));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.error().detail.find("the limit is"), std::string::npos);
}

TEST(Event, RefusesDataNestedTooDeep) {
  std::string deep;
  for (std::size_t i = 0; i < kMaxEventDepth + 2; ++i) deep += "{\"a\":";
  deep += "1";
  for (std::size_t i = 0; i < kMaxEventDepth + 2; ++i) deep += "}";
  Event e = order_placed();
  e.data = boost::json::object{};
  std::string text = to_json(e);
  text.replace(text.find("\"data\":{}"), 9, "\"data\":" + deep);
  auto parsed = parse_event(text);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().detail.find("nested deeper"), std::string::npos) << parsed.error().detail;
}

TEST(Event, ValidateRefusesDataThatIsNotAnObject) {
  Event e = order_placed();
  e.data = boost::json::array{1, 2};
  auto valid = validate(e);
  ASSERT_FALSE(valid);
  ASSERT_EQ(valid.error().fields.size(), 1u);
  EXPECT_EQ(valid.error().fields[0].field, "data");
}

}  // namespace
}  // namespace cafe::bus
