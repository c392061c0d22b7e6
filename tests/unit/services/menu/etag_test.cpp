#include "services/menu/menu_service.h"

#include <gtest/gtest.h>

namespace cafe::menu {
namespace {

TEST(MenuEtag, IsAStrongTagNamingTheVersion) {
  const std::string tag = make_etag(42, "menu:store=1");
  EXPECT_TRUE(tag.starts_with("\"v42-")) << tag;
  EXPECT_TRUE(tag.ends_with("\"")) << tag;
  EXPECT_EQ(tag, make_etag(42, "menu:store=1"));
}

TEST(MenuEtag, DiffersByVersionAndRendering) {
  EXPECT_NE(make_etag(1, "menu"), make_etag(2, "menu"));
  EXPECT_NE(make_etag(1, "menu:store=1"), make_etag(1, "menu:store=2"));
}

TEST(EtagMatches, MatchesTheExactTag) {
  const std::string tag = make_etag(3, "menu");
  EXPECT_TRUE(etag_matches(tag, tag));
  EXPECT_FALSE(etag_matches(make_etag(4, "menu"), tag));
  EXPECT_FALSE(etag_matches("", tag));
}

TEST(EtagMatches, FindsTheTagInAListWithSpaces) {
  const std::string tag = make_etag(3, "menu");
  EXPECT_TRUE(etag_matches("\"other\", " + tag + " ,\"x\"", tag));
  EXPECT_TRUE(etag_matches("\t" + tag + "\t", tag));
  EXPECT_FALSE(etag_matches("\"other\", \"x\"", tag));
}

TEST(EtagMatches, ComparesWeakTagsWeakly) {
  const std::string tag = make_etag(3, "menu");
  EXPECT_TRUE(etag_matches("W/" + tag, tag));
  EXPECT_TRUE(etag_matches("\"a\", W/" + tag, tag));
}

TEST(EtagMatches, StarMatchesAnything) {
  EXPECT_TRUE(etag_matches("*", make_etag(1, "x")));
  EXPECT_TRUE(etag_matches(" * ", make_etag(1, "x")));
}

TEST(EtagMatches, DoesNotMatchAnUnquotedOrPartialTag) {
  const std::string tag = make_etag(3, "menu");
  EXPECT_FALSE(etag_matches(tag.substr(1, tag.size() - 2), tag));
  EXPECT_FALSE(etag_matches(tag.substr(0, tag.size() - 1), tag));
  EXPECT_FALSE(etag_matches(",,,", tag));
}

}  // namespace
}  // namespace cafe::menu
