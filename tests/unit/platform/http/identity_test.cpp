#include "platform/http/identity.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::http {
namespace {

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kParent = "00f067aa0ba902b7";

std::string header(std::string_view version, std::string_view trace, std::string_view parent,
                   std::string_view flags) {
  return std::string(version) + "-" + std::string(trace) + "-" + std::string(parent) + "-" +
         std::string(flags);
}

TEST(RequestId, AcceptsOneTo128CharactersOfTheSafeAlphabet) {
  EXPECT_TRUE(is_valid_request_id("a"));
  EXPECT_TRUE(is_valid_request_id("0192f0c5-7d3a-7cc1-9a2b-3f4e5d6c7b8a"));
  EXPECT_TRUE(is_valid_request_id("load.gen_1:42-A"));
  EXPECT_TRUE(is_valid_request_id(std::string(128, 'x')));
}

TEST(RequestId, RejectsEmptyTooLongAndUnsafeCharacters) {
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'x')));
  for (std::string_view bad : {"a b", "a\"b", "a\nb", "a/b", "{x}", "a\\b", "caf\xC3\xA9", "a%20"}) {
    EXPECT_FALSE(is_valid_request_id(bad)) << bad;
  }
}

TEST(TraceParent, ParsesAValidHeader) {
  auto tp = parse_traceparent(header("00", kTrace, kParent, "01"));
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->trace_id, kTrace);
  EXPECT_EQ(tp->parent_id, kParent);
  EXPECT_EQ(tp->flags, "01");
}

TEST(TraceParent, RejectsOtherVersions) {
  EXPECT_FALSE(parse_traceparent(header("01", kTrace, kParent, "01")));
  EXPECT_FALSE(parse_traceparent(header("ff", kTrace, kParent, "01")));
}

TEST(TraceParent, RejectsUppercaseHex) {
  EXPECT_FALSE(parse_traceparent(header("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kParent, "01")));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace, "00F067AA0BA902B7", "01")));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace, kParent, "0A")));
}

TEST(TraceParent, RejectsAllZeroIds) {
  EXPECT_FALSE(parse_traceparent(header("00", std::string(32, '0'), kParent, "01")));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace, std::string(16, '0'), "01")));
}

TEST(TraceParent, RejectsWrongLengthsAndSeparators) {
  EXPECT_FALSE(parse_traceparent(""));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace.substr(1), kParent, "01")));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace, std::string(kParent) + "0", "01")));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace, kParent, "001")));
  EXPECT_FALSE(parse_traceparent(header("00", kTrace, kParent, "01") + "-extra"));
  std::string underscores = header("00", kTrace, kParent, "01");
  underscores[2] = '_';
  EXPECT_FALSE(parse_traceparent(underscores));
  EXPECT_FALSE(parse_traceparent(header("00", "4bf92f3577b34da6a3ce929d0e0e473g", kParent, "01")));
}

TEST(TraceParent, FormatsWhatItParses) {
  const std::string formatted = format_traceparent(kTrace, kParent);
  EXPECT_EQ(formatted, header("00", kTrace, kParent, "01"));
  EXPECT_TRUE(parse_traceparent(formatted));
}

}  // namespace
}  // namespace cafe::http
