#include "services/gateway/target_group.h"

#include <gtest/gtest.h>

#include <set>

namespace cafe::gateway {
namespace {

http_client::Target at(std::uint16_t port) {
  return {"127.0.0.1", port};
}

TargetGroup three_targets() {
  return TargetGroup("menu", {at(8001), at(8002), at(8003)});
}

void take_down(UpstreamTarget& t, const HealthThresholds& th = {}) {
  for (int i = 0; i < th.fall; ++i) t.record_check(false, th);
  ASSERT_FALSE(t.healthy());
}

TEST(UpstreamTarget, StartsHealthyWithNothingOutstanding) {
  UpstreamTarget t(at(8001));
  EXPECT_TRUE(t.healthy());
  EXPECT_EQ(t.outstanding(), 0);
  EXPECT_EQ(t.name(), "127.0.0.1:8001");
}

TEST(UpstreamTarget, GoesDownOnlyAfterFallConsecutiveFailures) {
  UpstreamTarget t(at(8001));
  const HealthThresholds th{.rise = 2, .fall = 3};
  EXPECT_FALSE(t.record_check(false, th));
  EXPECT_FALSE(t.record_check(false, th));
  EXPECT_TRUE(t.healthy());
  EXPECT_TRUE(t.record_check(false, th));
  EXPECT_FALSE(t.healthy());
  EXPECT_FALSE(t.record_check(false, th));  // already down: no change
}

TEST(UpstreamTarget, APassBetweenFailuresResetsTheFallCount) {
  UpstreamTarget t(at(8001));
  const HealthThresholds th{.rise = 2, .fall = 2};
  t.record_check(false, th);
  t.record_check(true, th);
  t.record_check(false, th);
  EXPECT_TRUE(t.healthy());
  t.record_check(false, th);
  EXPECT_FALSE(t.healthy());
}

TEST(UpstreamTarget, ComesBackOnlyAfterRiseConsecutivePasses) {
  UpstreamTarget t(at(8001));
  const HealthThresholds th{.rise = 3, .fall = 1};
  EXPECT_TRUE(t.record_check(false, th));
  EXPECT_FALSE(t.healthy());
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.record_check(false, th));  // resets the rise count
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.healthy());
  EXPECT_TRUE(t.record_check(true, th));
  EXPECT_TRUE(t.healthy());
}

TEST(UpstreamTarget, ConnectFailuresCountLikeFailedChecks) {
  UpstreamTarget t(at(8001));
  const HealthThresholds th{.rise = 1, .fall = 2};
  EXPECT_FALSE(t.record_connect_failure(th));
  EXPECT_TRUE(t.record_connect_failure(th));
  EXPECT_FALSE(t.healthy());
}

TEST(UpstreamTarget, CountsOutstandingRequests) {
  UpstreamTarget t(at(8001));
  t.begin_request();
  t.begin_request();
  t.end_request();
  EXPECT_EQ(t.outstanding(), 1);
}

TEST(TargetGroup, PicksTheTargetWithFewestOutstandingRequests) {
  TargetGroup g = three_targets();
  auto& t = g.targets();
  t[0]->begin_request();
  t[0]->begin_request();
  t[1]->begin_request();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.pick({}), t[2].get());
  t[2]->begin_request();
  t[2]->begin_request();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.pick({}), t[1].get());
}

TEST(TargetGroup, SpreadsTiesRoundRobin) {
  TargetGroup g = three_targets();
  std::set<const UpstreamTarget*> seen;
  for (int i = 0; i < 3; ++i) seen.insert(g.pick({}));
  EXPECT_EQ(seen.size(), 3u);
}

TEST(TargetGroup, SkipsUnhealthyTargets) {
  TargetGroup g = three_targets();
  auto& t = g.targets();
  take_down(*t[0]);
  take_down(*t[2]);
  t[1]->begin_request();  // busier, but the only healthy one
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.pick({}), t[1].get());
  EXPECT_TRUE(g.any_healthy());
  take_down(*t[1]);
  EXPECT_FALSE(g.any_healthy());
  EXPECT_EQ(g.pick({}), nullptr);
}

TEST(TargetGroup, SkipsTargetsAlreadyTriedForThisRequest) {
  TargetGroup g = three_targets();
  auto& t = g.targets();
  t[1]->begin_request();
  t[2]->begin_request();
  const std::vector<const UpstreamTarget*> tried = {t[0].get()};
  for (int i = 0; i < 6; ++i) {
    const UpstreamTarget* picked = g.pick(tried);
    EXPECT_TRUE(picked == t[1].get() || picked == t[2].get());
  }
  EXPECT_EQ(g.pick({t[0].get(), t[1].get(), t[2].get()}), nullptr);
}

TEST(TargetGroup, EmptyGroupPicksNothing) {
  TargetGroup g("nobody", {});
  EXPECT_EQ(g.pick({}), nullptr);
  EXPECT_FALSE(g.any_healthy());
  EXPECT_EQ(g.name(), "nobody");
}

}  // namespace
}  // namespace cafe::gateway
