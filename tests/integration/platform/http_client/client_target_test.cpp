#include "platform/http_client/client.h"

#include <gtest/gtest.h>

namespace cafe::http_client {
namespace {

TEST(Target, ParsesHostAndPort) {
  auto t = Target::parse("menu.local:8081");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "menu.local");
  EXPECT_EQ(t->port, 8081);
  EXPECT_EQ(t->to_string(), "menu.local:8081");
}

TEST(Target, ParsesBracketedIpv6) {
  auto t = Target::parse("[::1]:9000");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->to_string(), "[::1]:9000");
}

TEST(Target, RejectsMissingZeroOrHugePorts) {
  for (const char* bad : {"host", "host:", "host:0", "host:65536", "host:80x", ":80", "::1:80", "[::1]80",
                          "a b:80", "h\r\n:80"}) {
    auto t = Target::parse(bad);
    ASSERT_FALSE(t.has_value()) << bad;
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Failure, HasMetricFriendlyNames) {
  EXPECT_STREQ(to_string(Failure::kBreakerOpen), "breaker_open");
  EXPECT_STREQ(to_string(Failure::kTooLarge), "too_large");
}

}  // namespace
}  // namespace cafe::http_client
