#include "platform/http/path.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::http {
namespace {

std::string normalized(std::string_view raw) {
  auto r = normalize_path(raw);
  return r ? *r : "<error: " + r.error().detail + ">";
}

void expect_rejected(std::string_view raw, std::string_view reason) {
  auto r = normalize_path(raw);
  ASSERT_FALSE(r) << "accepted " << raw << " as " << *r;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().detail.find(reason), std::string::npos) << r.error().detail;
}

TEST(SplitTarget, SeparatesPathAndQueryAtTheFirstQuestionMark) {
  auto parts = split_target("/api/menu?store_id=1&x=a?b");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->path, "/api/menu");
  EXPECT_EQ(parts->query, "store_id=1&x=a?b");
}

TEST(SplitTarget, LeavesTheQueryEmptyWithoutQuestionMark) {
  auto parts = split_target("/health");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->path, "/health");
  EXPECT_TRUE(parts->query.empty());
}

TEST(SplitTarget, RejectsTargetsNotInOriginForm) {
  for (std::string_view t : {"", "api/menu", "http://example.com/api", "*", "?x=1"}) {
    auto parts = split_target(t);
    ASSERT_FALSE(parts) << t;
    EXPECT_EQ(parts.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(PathNormalisation, CollapsesEmptySegments) {
  EXPECT_EQ(normalized("//api///menu//"), "/api/menu");
  EXPECT_EQ(normalized("/"), "/");
  EXPECT_EQ(normalized("//"), "/");
}

TEST(PathNormalisation, ResolvesDotSegmentsWithoutEscapingTheRoot) {
  EXPECT_EQ(normalized("/api/./menu"), "/api/menu");
  EXPECT_EQ(normalized("/api/x/../menu"), "/api/menu");
  EXPECT_EQ(normalized("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalized("/api/.."), "/");
  EXPECT_EQ(normalized("/a/b/c/../../.."), "/");
  EXPECT_EQ(normalized("/a/..."), "/a/...");
}

TEST(PathNormalisation, DropsTheTrailingSlash) {
  EXPECT_EQ(normalized("/api/menu/"), "/api/menu");
  EXPECT_EQ(normalized("/api/menu/."), "/api/menu");
}

TEST(PathNormalisation, DecodesPercentEscapesBeforeSplitting) {
  EXPECT_EQ(normalized("/api/%6Denu"), "/api/menu");
  EXPECT_EQ(normalized("/api%2Fmenu"), "/api/menu");
  EXPECT_EQ(normalized("/api%2fmenu%2F"), "/api/menu");
}

TEST(PathNormalisation, ResolvesEncodedDotDotSoItCannotSmuggleASegment) {
  EXPECT_EQ(normalized("/api/menu/%2e%2e/admin"), "/api/admin");
  EXPECT_EQ(normalized("/api/menu/%2E%2E%2Fadmin"), "/api/admin");
  EXPECT_EQ(normalized("/%2e%2e/%2e%2e/x"), "/x");
  EXPECT_EQ(normalized("/a/%2e/b"), "/a/b");
}

TEST(PathNormalisation, KeepsValidMultibyteUtf8) {
  EXPECT_EQ(normalized("/caf%C3%A9"), "/caf\xC3\xA9");
  EXPECT_EQ(normalized("/\xE2\x98\x95"), "/\xE2\x98\x95");
  EXPECT_EQ(normalized("/%F0%9F%8D%B5"), "/\xF0\x9F\x8D\xB5");
}

TEST(PathNormalisation, RejectsMalformedEscapes) {
  expect_rejected("/api/%", "truncated percent-escape");
  expect_rejected("/api/%4", "truncated percent-escape");
  expect_rejected("/api/%zz", "malformed percent-escape");
  expect_rejected("/api/%4g/x", "malformed percent-escape");
  expect_rejected("/api/%%41", "malformed percent-escape");
}

TEST(PathNormalisation, RejectsControlCharactersRawOrEncoded) {
  expect_rejected("/api/\x01menu", "control character");
  expect_rejected("/api/%0Amenu", "control character");
  expect_rejected("/api/%0d%0aSet-Cookie:x", "control character");
  expect_rejected("/api/%7F", "control character");
  expect_rejected(std::string_view("/api/\0menu", 10), "control character");
  expect_rejected("/api/%00", "control character");
}

TEST(PathNormalisation, RejectsBackslashRawOrEncoded) {
  expect_rejected("/api\\menu", "backslash");
  expect_rejected("/api/..%5C..%5Cwindows", "backslash");
}

TEST(PathNormalisation, RejectsInvalidUtf8) {
  expect_rejected("/%C0%AF", "UTF-8");        // overlong '/'
  expect_rejected("/%E0%80%AF", "UTF-8");     // overlong, three bytes
  expect_rejected("/%ED%A0%80", "UTF-8");     // a UTF-16 surrogate
  expect_rejected("/%F4%90%80%80", "UTF-8");  // above U+10FFFF
  expect_rejected("/%FF", "UTF-8");
  expect_rejected("/%C3", "UTF-8");    // truncated sequence
  expect_rejected("/%C3/x", "UTF-8");  // continuation byte missing
}

TEST(PathNormalisation, RejectsPathsNotStartingWithSlash) {
  expect_rejected("", "must start with '/'");
  expect_rejected("api/menu", "must start with '/'");
  expect_rejected("%2Fapi", "must start with '/'");
}

TEST(PathNormalisation, EnforcesTheByteLimitOnTheRawPath) {
  const std::string at_limit = "/" + std::string(kMaxPathBytes - 1, 'a');
  EXPECT_EQ(normalized(at_limit), at_limit);
  expect_rejected("/" + std::string(kMaxPathBytes, 'a'), "longer than 2048 bytes");
}

TEST(PathNormalisation, KeepsAPathThatIsAlreadyNormalAsItIs) {
  EXPECT_EQ(normalized("/api/menu"), "/api/menu");
  EXPECT_EQ(normalized("/api/menu/items/latte"), "/api/menu/items/latte");
  EXPECT_EQ(normalized("/a.b/c..d/.e/f~g_h-i!$&'()*+,;=:@"), "/a.b/c..d/.e/f~g_h-i!$&'()*+,;=:@");
  // Near misses take the full path: a dot segment at the very end, a space.
  EXPECT_EQ(normalized("/api/.."), "/");
  EXPECT_EQ(normalized("/api/."), "/api");
  EXPECT_EQ(normalized("/a b"), "/a b");
}

TEST(PathNormalisation, EnforcesTheSegmentLimitAfterResolvingDotDot) {
  std::string at_limit;
  for (std::size_t i = 0; i < kMaxPathSegments; ++i) at_limit += "/s";
  EXPECT_EQ(normalized(at_limit), at_limit);
  expect_rejected(at_limit + "/s", "too many segments");
  // Segments removed by ".." do not count.
  EXPECT_EQ(normalized(at_limit + "/..//s"), at_limit);
}

TEST(Utf8Validation, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080, the smallest two-byte
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the largest
}

TEST(Utf8Validation, RejectsOverlongsSurrogatesAndStrayBytes) {
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong U+007F
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong U+FFFF
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));      // surrogate U+DFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x98"));   // truncated at the end
  EXPECT_FALSE(is_valid_utf8("\xE2(\x95"));  // bad continuation
}

}  // namespace
}  // namespace cafe::http
