#include "platform/http/head_chars.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::http {
namespace {

TEST(HeadChars, FindsALineBreakOrNulAnywhereInAValue) {
  EXPECT_FALSE(has_line_break(""));
  EXPECT_FALSE(has_line_break("00-ad6e41f48491b8c46bbecdf843389243-e32bc678fb011113-01 \t caf\xC3\xA9"));
  // Every position, in the sixteen-byte blocks and in the tail.
  for (std::size_t at = 0; at < 40; ++at) {
    for (const char bad : {'\r', '\n', '\0'}) {
      std::string value(40, 'v');
      value[at] = bad;
      EXPECT_TRUE(has_line_break(value)) << at << " " << int(bad);
    }
  }
}

TEST(HeadChars, AcceptsOnlyNamesThatCannotBeMisread) {
  EXPECT_TRUE(is_writable_name("X-Request-Id"));
  EXPECT_TRUE(is_writable_name("traceparent"));
  EXPECT_FALSE(is_writable_name(""));
  for (const char bad : {'\r', '\n', '\0', ':', ' ', '\t'}) {
    EXPECT_FALSE(is_writable_name(std::string("X-A") + bad + "b")) << int(bad);
  }
}

}  // namespace
}  // namespace cafe::http
