#include "platform/upstream/target_group.h"

#include <gtest/gtest.h>

#include <set>

namespace cafe::upstream {
namespace {

using namespace std::chrono_literals;

http_client::Target at(std::uint16_t port) {
  return {"127.0.0.1", port};
}

const Clock::time_point kNow = Clock::time_point(100s);

std::vector<TargetPtr> members(const TargetGroup& g) {
  return g.snapshot()->targets;
}

TargetGroup three_targets(double panic_threshold = 0) {
  return TargetGroup("menu", {at(8001), at(8002), at(8003)}, {.panic_threshold = panic_threshold});
}

void take_down(Target& t, const HealthThresholds& th = {}) {
  for (int i = 0; i < th.fall; ++i) t.record_check(false, th);
  ASSERT_FALSE(t.healthy());
}

void fail_in_a_row(Target& t, int n, const OutlierOptions& o, Clock::time_point now) {
  for (int i = 0; i < n; ++i) t.record_result(Verdict::kFailure, o, now);
}

TEST(UpstreamTarget, StartsHealthyWithNothingOutstanding) {
  Target t(at(8001));
  EXPECT_TRUE(t.healthy());
  EXPECT_TRUE(t.available(kNow));
  EXPECT_EQ(t.outstanding(), 0);
  EXPECT_EQ(t.name(), "127.0.0.1:8001");
}

TEST(UpstreamTarget, GoesDownOnlyAfterFallConsecutiveFailedChecks) {
  Target t(at(8001));
  const HealthThresholds th{.rise = 2, .fall = 3};
  EXPECT_FALSE(t.record_check(false, th));
  EXPECT_FALSE(t.record_check(false, th));
  EXPECT_TRUE(t.healthy());
  EXPECT_TRUE(t.record_check(false, th));
  EXPECT_FALSE(t.healthy());
  EXPECT_FALSE(t.record_check(false, th));  // already down: no change
}

TEST(UpstreamTarget, ComesBackOnlyAfterRiseConsecutivePasses) {
  Target t(at(8001));
  const HealthThresholds th{.rise = 3, .fall = 1};
  EXPECT_TRUE(t.record_check(false, th));
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.record_check(false, th));  // resets the rise count
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.record_check(true, th));
  EXPECT_FALSE(t.healthy());
  EXPECT_TRUE(t.record_check(true, th));
  EXPECT_TRUE(t.healthy());
}

TEST(UpstreamTarget, IsEjectedAfterConsecutiveFailedRequests) {
  Target t(at(8001));
  const OutlierOptions o{.consecutive_failures = 3, .base_ejection = 1s};
  EXPECT_FALSE(t.record_result(Verdict::kFailure, o, kNow));
  EXPECT_FALSE(t.record_result(Verdict::kFailure, o, kNow));
  EXPECT_TRUE(t.record_result(Verdict::kFailure, o, kNow));
  EXPECT_TRUE(t.ejected(kNow));
  EXPECT_FALSE(t.available(kNow + 999ms));
  EXPECT_TRUE(t.available(kNow + 1s));
}

TEST(UpstreamTarget, ASuccessBreaksTheRunOfFailures) {
  Target t(at(8001));
  const OutlierOptions o{.consecutive_failures = 3};
  fail_in_a_row(t, 2, o, kNow);
  t.record_result(Verdict::kSuccess, o, kNow);
  fail_in_a_row(t, 2, o, kNow);
  EXPECT_FALSE(t.ejected(kNow));
}

TEST(UpstreamTarget, EjectsForLongerEachTimeInARowUpToTheCap) {
  Target t(at(8001));
  const OutlierOptions o{.consecutive_failures = 1, .base_ejection = 1s, .max_ejection = 3s};
  auto now = kNow;
  fail_in_a_row(t, 1, o, now);
  EXPECT_TRUE(t.ejected(now + 999ms));
  now += 1s;
  fail_in_a_row(t, 1, o, now);
  EXPECT_TRUE(t.ejected(now + 1999ms));
  EXPECT_FALSE(t.ejected(now + 2s));
  now += 2s;
  fail_in_a_row(t, 1, o, now);
  now += 3s;
  fail_in_a_row(t, 1, o, now);
  EXPECT_TRUE(t.ejected(now + 2999ms)) << "capped at 3 s, not 4";
  EXPECT_FALSE(t.ejected(now + 3s));
  EXPECT_EQ(t.ejections_in_a_row(), 4);
  // Back in rotation and serving: the next ejection starts from the base.
  now += 3s;
  t.record_result(Verdict::kSuccess, o, now);
  EXPECT_EQ(t.ejections_in_a_row(), 0);
  fail_in_a_row(t, 1, o, now);
  EXPECT_FALSE(t.ejected(now + 1s));
}

TEST(UpstreamTarget, IgnoresNeutralResultsAndDisabledDetection) {
  Target t(at(8001));
  fail_in_a_row(t, 10, {.enabled = false, .consecutive_failures = 1}, kNow);
  for (int i = 0; i < 10; ++i) t.record_result(Verdict::kNeutral, {.consecutive_failures = 1}, kNow);
  EXPECT_FALSE(t.ejected(kNow));
}

TEST(UpstreamTarget, ClassifiesOutcomesAsOutlierDetectionCountsThem) {
  const OutlierOptions plain{};
  const OutlierOptions with_5xx{.count_5xx = true};
  http_client::Outcome o;
  o.response.status = 503;
  EXPECT_EQ(classify(o, plain), Verdict::kSuccess);
  EXPECT_EQ(classify(o, with_5xx), Verdict::kFailure);
  for (auto f : {http_client::Failure::kConnect, http_client::Failure::kTimeout, http_client::Failure::kReset,
                 http_client::Failure::kProtocol}) {
    o.failure = f;
    EXPECT_EQ(classify(o, plain), Verdict::kFailure) << http_client::to_string(f);
  }
  for (auto f : {http_client::Failure::kBreakerOpen, http_client::Failure::kPoolExhausted,
                 http_client::Failure::kTooLarge}) {
    o.failure = f;
    EXPECT_EQ(classify(o, plain), Verdict::kNeutral) << http_client::to_string(f);
  }
}

TEST(TargetGroup, PicksTheTargetWithFewestOutstandingRequests) {
  TargetGroup g = three_targets();
  auto t = members(g);
  t[0]->begin_request();
  t[0]->begin_request();
  t[1]->begin_request();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.pick({}, kNow), t[2]);
  t[2]->begin_request();
  t[2]->begin_request();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.pick({}, kNow), t[1]);
}

TEST(TargetGroup, SpreadsTiesRoundRobin) {
  TargetGroup g = three_targets();
  std::set<TargetPtr> seen;
  for (int i = 0; i < 3; ++i) seen.insert(g.pick({}, kNow));
  EXPECT_EQ(seen.size(), 3u);
}

TEST(TargetGroup, SkipsUnhealthyEjectedAndBlockedTargets) {
  TargetGroup g = three_targets();
  auto t = members(g);
  take_down(*t[0]);
  fail_in_a_row(*t[2], 5, {}, kNow);
  t[1]->begin_request();  // busier, but the only one in rotation
  for (int i = 0; i < 6; ++i) EXPECT_EQ(g.pick({}, kNow), t[1]);
  EXPECT_EQ(g.pick({}, kNow, [&](const Target& x) { return &x == t[1].get(); }), nullptr);
  take_down(*t[1]);
  EXPECT_EQ(g.pick({}, kNow), nullptr);
}

TEST(TargetGroup, SkipsTargetsAlreadyTriedForThisRequest) {
  TargetGroup g = three_targets();
  auto t = members(g);
  const std::vector<const Target*> tried = {t[0].get()};
  for (int i = 0; i < 6; ++i) {
    const TargetPtr picked = g.pick(tried, kNow);
    EXPECT_TRUE(picked == t[1] || picked == t[2]);
  }
  EXPECT_EQ(g.pick({t[0].get(), t[1].get(), t[2].get()}, kNow), nullptr);
}

TEST(TargetGroup, RoutesToEveryMemberWhenTooFewAreInRotation) {
  TargetGroup g = three_targets(/*panic_threshold=*/0.5);
  auto t = members(g);
  take_down(*t[0]);
  fail_in_a_row(*t[1], 5, {}, kNow);
  // One of three in rotation is under half: panic spreads the load again.
  std::set<TargetPtr> seen;
  for (int i = 0; i < 6; ++i) seen.insert(g.pick({}, kNow));
  EXPECT_EQ(seen.size(), 3u);
}

TEST(TargetGroup, AddsTargetsAtRunTimeAndRefusesDuplicates) {
  TargetGroup g("order", GroupOptions{});
  EXPECT_EQ(g.pick({}, kNow), nullptr);
  auto added = g.add(at(9001));
  ASSERT_TRUE(added);
  EXPECT_EQ(g.pick({}, kNow), *added);
  auto again = g.add(at(9001));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST(TargetGroup, DrainingTakesNoNewRequestsAndLeavesOnceIdle) {
  TargetGroup g = three_targets();
  auto t = members(g);
  t[0]->begin_request();
  ASSERT_TRUE(g.drain(at(8001)));
  for (int i = 0; i < 6; ++i) EXPECT_NE(g.pick({}, kNow), t[0]);
  EXPECT_TRUE(g.collect_drained().empty()) << "still has a request in flight";
  EXPECT_EQ(members(g).size(), 3u);
  t[0]->end_request();
  const auto gone = g.collect_drained();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0], t[0]);
  EXPECT_EQ(members(g).size(), 2u);
  EXPECT_EQ(g.drain(at(8001)).error().code, ErrorCode::kNotFound);
}

TEST(TargetGroup, AnEmptyGroupPicksNothing) {
  TargetGroup g("nobody", GroupOptions{});
  EXPECT_EQ(g.pick({}, kNow), nullptr);
  EXPECT_EQ(g.name(), "nobody");
}

}  // namespace
}  // namespace cafe::upstream
