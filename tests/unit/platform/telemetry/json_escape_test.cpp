#include "platform/telemetry/json_escape.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace cafe::telemetry {
namespace {

using namespace std::string_view_literals;

std::string escaped(std::string_view text, std::size_t max_bytes = std::string::npos) {
  std::string out;
  append_json_string(out, text, max_bytes);
  return out;
}

// What a JSON parser reads back from our output.
std::string read_back(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(escaped(text), ec);
  EXPECT_FALSE(ec) << ec.message() << " for " << escaped(text);
  return ec ? std::string() : std::string(value.as_string());
}

TEST(JsonEscape, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(escaped(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(JsonEscape, EscapesControlCharactersIncludingNul) {
  EXPECT_EQ(escaped("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
  EXPECT_EQ(escaped("\0\x01\x1f"sv), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(read_back("line\nbreak\0nul"sv), "line\nbreak\0nul"sv);
}

TEST(JsonEscape, KeepsValidUtf8) {
  EXPECT_EQ(escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonEscape, ReplacesInvalidUtf8) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(escaped("a\xFF"
                    "b"),
            "\"a" + replacement + "b\"");
  EXPECT_EQ(escaped("\xC0\xAF"), "\"" + replacement + replacement + "\"");                    // overlong '/'
  EXPECT_EQ(escaped("\xED\xA0\x80"), "\"" + replacement + replacement + replacement + "\"");  // surrogate
  EXPECT_EQ(escaped("\xE2\x82"), "\"" + replacement + replacement + "\"");                    // truncated
  EXPECT_EQ(escaped("\xF4\x90\x80\x80").substr(0, 4), "\"" + replacement);  // above U+10FFFF
}

TEST(JsonEscape, OutputOfHostileBytesAlwaysParses) {
  std::string hostile;
  for (int c = 0; c < 256; ++c) hostile += static_cast<char>(c);
  hostile += "\xE2\x82\xAC\xF0\x9F";
  std::string out = read_back(hostile);
  EXPECT_EQ(out.substr(0, 0x80), hostile.substr(0, 0x80));
}

TEST(JsonEscape, CutsAtCharacterBoundary) {
  EXPECT_EQ(escaped("abcdef", 3), R"("abc...")");
  EXPECT_EQ(escaped("ab\xE2\x82\xAC", 3), R"("ab...")");
  EXPECT_EQ(escaped("ab\xE2\x82\xAC", 5), "\"ab\xE2\x82\xAC\"");
}

}  // namespace
}  // namespace cafe::telemetry
