#include "platform/http/router.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::http {
namespace {

namespace asio = boost::asio;

Handler answer(int status) {
  return [status](Request&) -> asio::awaitable<Response> { co_return Response::empty(status); };
}

// The route template the router picked for GET `path`, or "404"/"405".
std::string winner(Router& router, std::string_view path, Method method = Method::kGet) {
  auto m = router.match(method, path);
  switch (m.kind) {
    case Router::Match::Kind::kFound:
      return m.route->pattern;
    case Router::Match::Kind::kNotFound:
      return "404";
    case Router::Match::Kind::kMethodNotAllowed:
      return "405";
  }
  return "?";
}

Router gateway_like_router() {
  Router r;
  for (const char* p :
       {"/api/menu/**", "/api/stores", "/api/stores/**", "/api/stores/{id}/queue", "/api/stores/{id}",
        "/api/loyalty/{customer_id}", "/api/loyalty/points/{id}", "/api/loyalty/stats/tiers"}) {
    EXPECT_TRUE(r.add(Method::kGet, p, answer(200))) << p;
  }
  return r;
}

TEST(PathMatcher, MatchesFixedTemplatesExactly) {
  PathMatcher m;
  auto id = m.add("/api/menu");
  ASSERT_TRUE(id);
  auto found = m.match("/api/menu");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *id);
  EXPECT_FALSE(m.match("/api"));
  EXPECT_FALSE(m.match("/api/menu/x"));
  EXPECT_FALSE(m.match("/api/Menu"));
}

TEST(PathMatcher, ReturnsTheSameIdForTheSameTemplate) {
  PathMatcher m;
  auto a = m.add("/a/{x}/b");
  auto b = m.add("/a/{x}/b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(m.size(), 1u);
}

TEST(PathMatcher, WildcardMatchesZeroOrMoreRemainingSegments) {
  PathMatcher m;
  ASSERT_TRUE(m.add("/api/menu/**"));
  EXPECT_TRUE(m.match("/api/menu"));
  EXPECT_TRUE(m.match("/api/menu/items"));
  EXPECT_TRUE(m.match("/api/menu/items/latte/x"));
  EXPECT_FALSE(m.match("/api"));
}

TEST(PathMatcher, RootTemplateMatchesOnlyTheRoot) {
  PathMatcher m;
  ASSERT_TRUE(m.add("/"));
  EXPECT_TRUE(m.match("/"));
  EXPECT_FALSE(m.match("/x"));
}

TEST(PathMatcher, RejectsMalformedTemplates) {
  PathMatcher m;
  for (std::string_view bad : {"", "api/menu", "/a/**/b", "/a/{", "/a/{}", "/a/{x", "/a/x}", "/a/{x-y}",
                               "/a/b*", "/a/{x}{y}", "/a/*"}) {
    auto r = m.add(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(m.size(), 0u);
}

TEST(PathMatcher, RejectsTwoParameterNamesAtOnePosition) {
  PathMatcher m;
  ASSERT_TRUE(m.add("/a/{x}"));
  auto r = m.add("/a/{y}/b");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("{y} conflicts with {x}"), std::string::npos) << r.error().detail;
}

TEST(Router, CapturesParametersInTemplateOrder) {
  Router r;
  ASSERT_TRUE(r.add(Method::kGet, "/api/stores/{store_id}/items/{item_id}", answer(200)));
  auto m = r.match(Method::kGet, "/api/stores/7/items/latte");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  ASSERT_EQ(m.params.values.size(), 2u);
  EXPECT_EQ(m.params.values[0].first, "store_id");
  EXPECT_EQ(m.params.get("store_id"), "7");
  EXPECT_EQ(m.params.get("item_id"), "latte");
  EXPECT_FALSE(m.params.get("missing"));
}

TEST(Router, FixedSegmentBeatsParameterBeatsWildcard) {
  Router r = gateway_like_router();
  EXPECT_EQ(winner(r, "/api/stores"), "/api/stores");
  EXPECT_EQ(winner(r, "/api/stores/12"), "/api/stores/{id}");
  EXPECT_EQ(winner(r, "/api/stores/12/queue"), "/api/stores/{id}/queue");
  EXPECT_EQ(winner(r, "/api/stores/12/hours"), "/api/stores/**");
  EXPECT_EQ(winner(r, "/api/stores/12/queue/extra"), "/api/stores/**");
}

TEST(Router, BacktracksFromADeadEndFixedBranchToAParameter) {
  Router r = gateway_like_router();
  EXPECT_EQ(winner(r, "/api/loyalty/points/c1"), "/api/loyalty/points/{id}");
  EXPECT_EQ(winner(r, "/api/loyalty/stats/tiers"), "/api/loyalty/stats/tiers");
  // "stats" has a fixed child but no template ends there: the parameter wins.
  EXPECT_EQ(winner(r, "/api/loyalty/stats"), "/api/loyalty/{customer_id}");
  EXPECT_EQ(winner(r, "/api/loyalty/points"), "/api/loyalty/{customer_id}");
  EXPECT_EQ(winner(r, "/api/loyalty/c42"), "/api/loyalty/{customer_id}");
  EXPECT_EQ(winner(r, "/api/loyalty/stats/other"), "404");
}

TEST(Router, BacktrackingDropsTheParametersOfAbandonedBranches) {
  Router r;
  ASSERT_TRUE(r.add(Method::kGet, "/a/{x}/deep", answer(200)));
  ASSERT_TRUE(r.add(Method::kGet, "/a/**", answer(200)));
  auto m = r.match(Method::kGet, "/a/1/shallow");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/a/**");
  EXPECT_TRUE(m.params.values.empty());
}

TEST(Router, AnswersNotFoundWhenNoTemplateMatches) {
  Router r = gateway_like_router();
  EXPECT_EQ(winner(r, "/api/orders"), "404");
  EXPECT_EQ(winner(r, "/"), "404");
}

TEST(Router, AnswersMethodNotAllowedWithTheAllowList) {
  Router r;
  ASSERT_TRUE(r.add(Method::kGet, "/api/menu/items", answer(200)));
  ASSERT_TRUE(r.add(Method::kPost, "/api/menu/items", answer(201)));
  auto m = r.match(Method::kDelete, "/api/menu/items");
  ASSERT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, POST");
  EXPECT_EQ(m.route, nullptr);
}

TEST(Router, HeadFallsBackToGet) {
  Router r;
  ASSERT_TRUE(r.add(Method::kGet, "/api/menu", answer(200)));
  ASSERT_TRUE(r.add(Method::kPost, "/api/orders", answer(201)));
  auto m = r.match(Method::kHead, "/api/menu");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.route->method, Method::kGet);
  auto post_only = r.match(Method::kHead, "/api/orders");
  EXPECT_EQ(post_only.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(post_only.allow, "POST");
}

TEST(Router, PrefersAnExplicitHeadRouteOverGet) {
  Router r;
  ASSERT_TRUE(r.add(Method::kGet, "/x", answer(200)));
  ASSERT_TRUE(r.add(Method::kHead, "/x", answer(204)));
  auto m = r.match(Method::kHead, "/x");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.route->method, Method::kHead);
}

TEST(Router, RejectsADuplicateRouteButAcceptsAnotherMethod) {
  Router r;
  ASSERT_TRUE(r.add(Method::kGet, "/api/menu", answer(200)));
  auto dup = r.add(Method::kGet, "/api/menu", answer(200));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().detail, "duplicate route GET /api/menu");
  EXPECT_TRUE(r.add(Method::kPut, "/api/menu", answer(200)));
  EXPECT_EQ(r.routes().size(), 2u);
}

TEST(Router, RejectsMalformedTemplates) {
  Router r;
  EXPECT_FALSE(r.add(Method::kGet, "no-slash", answer(200)));
  EXPECT_FALSE(r.add(Method::kGet, "/a/{bad name}", answer(200)));
  EXPECT_FALSE(r.add(Method::kGet, "/**/x", answer(200)));
  EXPECT_TRUE(r.routes().empty());
}

TEST(Router, KeepsEachRoutesOwnBodyLimit) {
  Router r;
  ASSERT_TRUE(r.add(Method::kPost, "/small", answer(200), {.body_limit = 100}));
  ASSERT_TRUE(r.add(Method::kPost, "/big", answer(200), {.body_limit = 5000}));
  auto small = r.match(Method::kPost, "/small");
  auto big = r.match(Method::kPost, "/big");
  ASSERT_EQ(small.kind, Router::Match::Kind::kFound);
  ASSERT_EQ(big.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(small.route->options.body_limit, 100u);
  EXPECT_EQ(big.route->options.body_limit, 5000u);
}

}  // namespace
}  // namespace cafe::http
