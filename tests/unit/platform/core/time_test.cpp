#include "platform/core/time.h"

#include <gtest/gtest.h>

namespace cafe {
namespace {

using namespace std::chrono;

TEST(Rfc3339, ParsesWhatToRfc3339Writes) {
  const auto t = system_clock::time_point{} + 1'764'060'601'123ms;
  const auto parsed = parse_rfc3339(to_rfc3339(t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
}

TEST(Rfc3339, ReadsFractionsOfAnyLengthToTheMicrosecond) {
  const auto whole = parse_rfc3339("2026-11-25T08:50:01Z");
  ASSERT_TRUE(whole);
  EXPECT_EQ(*parse_rfc3339("2026-11-25T08:50:01.5Z") - *whole, 500ms);
  EXPECT_EQ(*parse_rfc3339("2026-11-25T08:50:01.000001Z") - *whole, 1us);
  EXPECT_EQ(*parse_rfc3339("2026-11-25T08:50:01.123456789Z") - *whole, 123456us);
}

TEST(Rfc3339, KnowsLeapYears) {
  EXPECT_TRUE(parse_rfc3339("2028-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-02-29T00:00:00Z"));
}

TEST(Rfc3339, RefusesInstantsTheSystemClockCannotHold) {
  EXPECT_TRUE(parse_rfc3339("2200-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("4052-02-28T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59.999999Z"));
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
}

TEST(Rfc3339, RefusesEverythingButStrictUtc) {
  for (const char* bad :
       {"", "2026-11-25", "2026-11-25T08:50:01", "2026-11-25T08:50:01+00:00", "2026-11-25t08:50:01z",
        "2026-11-25 08:50:01Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-25T24:00:00Z",
        "2026-11-25T08:60:00Z", "2026-11-25T08:50:60Z", "2026-11-25T08:50:01.Z",
        "2026-11-25T08:50:01.1234567890Z", " 2026-11-25T08:50:01Z", "2026-11-25T08:50:01Z ",
        "+026-11-25T08:50:01Z", "2026-11-25T08:50:0aZ"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace cafe
