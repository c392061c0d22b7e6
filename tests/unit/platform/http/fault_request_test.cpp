#include "platform/http/fault_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace cafe::http {
namespace {

using namespace std::chrono_literals;

const std::chrono::system_clock::time_point kNow = std::chrono::system_clock::time_point{} + 1'000'000s;

std::vector<std::string> fields_of(const Result<faults::Fault>& r) {
  std::vector<std::string> out;
  if (!r) {
    for (const auto& f : r.error().fields) out.push_back(f.field + ": " + f.message);
  }
  return out;
}

TEST(FaultRequest, ParsesAnErrorFault) {
  auto f = parse_fault_request(
      R"({"kind":"error","target":"route:/api/menu","duration_seconds":60,"status":502,"probability":0.25})",
      kNow);
  ASSERT_TRUE(f) << f.error().detail;
  EXPECT_EQ(f->kind, faults::Kind::kError);
  EXPECT_EQ(f->target, "route:/api/menu");
  EXPECT_EQ(f->status, 502);
  EXPECT_DOUBLE_EQ(f->probability, 0.25);
  EXPECT_EQ(f->expires_at, kNow + 60s);
}

TEST(FaultRequest, AcceptsIntegerProbabilityOne) {
  auto f = parse_fault_request(
      R"({"kind":"throttle","target":"route:*","duration_seconds":1,"probability":1})", kNow);
  ASSERT_TRUE(f) << f.error().detail;
  EXPECT_DOUBLE_EQ(f->probability, 1.0);
}

TEST(FaultRequest, LatencyAndTimeoutNeedLatencyMs) {
  auto latency =
      parse_fault_request(R"({"kind":"latency","target":"dependency:store","duration_seconds":5})", kNow);
  ASSERT_FALSE(latency);
  EXPECT_EQ(fields_of(latency),
            std::vector<std::string>{"latency_ms: is required for latency and timeout faults"});
  auto timeout = parse_fault_request(
      R"({"kind":"timeout","target":"dependency:cache","duration_seconds":5,"latency_ms":2500})", kNow);
  ASSERT_TRUE(timeout) << timeout.error().detail;
  EXPECT_EQ(timeout->latency, 2500ms);
}

TEST(FaultRequest, ListsEveryInvalidFieldAtOnce) {
  auto f = parse_fault_request(
      R"({"kind":"explode","target":"db","duration_seconds":0,"probability":0,"latency_ms":-1,"status":200,"extra":1})",
      kNow);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);
  const auto fields = fields_of(f);
  const std::vector<std::string> expected = {
      "kind: must be one of latency, error, timeout, throttle",
      "target: must be route:*, route:/<template> or dependency:<name>",
      "duration_seconds: must be between 1 and 3600",
      "probability: must be a number in (0, 1]",
      "latency_ms: must be between 0 and 600000",
      "status: must be between 400 and 599",
      "extra: unknown field",
  };
  EXPECT_EQ(fields, expected);
}

TEST(FaultRequest, RequiresKindTargetAndDuration) {
  auto f = parse_fault_request("{}", kNow);
  ASSERT_FALSE(f);
  const std::vector<std::string> expected = {"kind: is required", "target: is required",
                                             "duration_seconds: is required"};
  EXPECT_EQ(fields_of(f), expected);
}

TEST(FaultRequest, RejectsProbabilityAboveOneOrNotANumber) {
  for (const char* p : {"1.5", "\"0.5\"", "true", "-0.1"}) {
    const std::string body =
        std::string(R"({"kind":"error","target":"route:*","duration_seconds":5,"probability":)") + p + "}";
    auto f = parse_fault_request(body, kNow);
    ASSERT_FALSE(f) << p;
    EXPECT_EQ(fields_of(f), std::vector<std::string>{"probability: must be a number in (0, 1]"}) << p;
  }
}

TEST(FaultRequest, RejectsTargetsOutsideTheThreeForms) {
  for (const char* t : {"route:", "route:api", "dependency:", "*", "route:**"}) {
    const std::string body = std::string(R"({"kind":"error","target":")") + t + R"(","duration_seconds":5})";
    auto f = parse_fault_request(body, kNow);
    EXPECT_FALSE(f) << t;
  }
}

TEST(FaultRequest, RejectsMalformedOversizedOrNonObjectBodies) {
  EXPECT_FALSE(parse_fault_request("", kNow));
  EXPECT_FALSE(parse_fault_request("{", kNow));
  EXPECT_FALSE(parse_fault_request("[]", kNow));
  EXPECT_FALSE(parse_fault_request("\"error\"", kNow));
  EXPECT_FALSE(parse_fault_request(R"({"kind":{"a":{"b":{"c":{"d":1}}}}})", kNow));
  auto big = parse_fault_request("{\"target\":\"" + std::string(5000, 'x') + "\"}", kNow);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace cafe::http
