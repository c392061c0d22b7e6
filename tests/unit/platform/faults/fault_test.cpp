#include "platform/faults/fault.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cafe::faults {
namespace {

using namespace std::chrono_literals;
using Clock = Registry::Clock;

const Clock::time_point kT0 = Clock::time_point{} + 1'000'000s;

Fault make(Kind kind, std::string target, Clock::duration lasts = 60s, double probability = 1.0) {
  Fault f;
  f.kind = kind;
  f.target = std::move(target);
  f.probability = probability;
  f.status = 502;
  f.latency = 250ms;
  f.expires_at = kT0 + lasts;
  return f;
}

TEST(FaultKind, RoundTripsThroughItsName) {
  for (Kind k : {Kind::kLatency, Kind::kError, Kind::kTimeout, Kind::kThrottle}) {
    EXPECT_EQ(kind_from_string(to_string(k)), k);
  }
  EXPECT_FALSE(kind_from_string("Error"));
  EXPECT_FALSE(kind_from_string(""));
}

TEST(FaultRegistry, StartsEmptyAndDecidesNothing) {
  Registry r;
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.decide("route:/api/menu", kT0));
}

TEST(FaultRegistry, AssignsIdsAndDecidesTheMatchingTarget) {
  Registry r;
  auto added = r.add(make(Kind::kError, "route:/api/menu"), kT0);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->id, "f1");
  EXPECT_FALSE(r.empty());
  auto action = r.decide("route:/api/menu", kT0);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->kind, Kind::kError);
  EXPECT_EQ(action->status, 502);
  EXPECT_EQ(action->latency, 250ms);
  EXPECT_EQ(action->fault_id, "f1");
  EXPECT_FALSE(r.decide("route:/api/menu/items", kT0));
  EXPECT_FALSE(r.decide("dependency:store", kT0));
}

TEST(FaultRegistry, FirstAddedLiveFaultWins) {
  Registry r;
  ASSERT_TRUE(r.add(make(Kind::kLatency, "route:/x"), kT0));
  ASSERT_TRUE(r.add(make(Kind::kError, "route:/x"), kT0));
  EXPECT_EQ(r.decide("route:/x", kT0)->kind, Kind::kLatency);
}

TEST(FaultRegistry, RouteWildcardAppliesToRoutesOnly) {
  Registry r;
  ASSERT_TRUE(r.add(make(Kind::kThrottle, "route:*"), kT0));
  EXPECT_TRUE(r.decide("route:/api/menu", kT0));
  EXPECT_TRUE(r.decide("route:/anything/{id}", kT0));
  EXPECT_FALSE(r.decide("dependency:store", kT0));
  EXPECT_FALSE(r.decide("dependency:route:x", kT0));
}

TEST(FaultRegistry, DependencyFaultsMatchTheirNameExactly) {
  Registry r;
  ASSERT_TRUE(r.add(make(Kind::kTimeout, "dependency:cache"), kT0));
  EXPECT_TRUE(r.decide("dependency:cache", kT0));
  EXPECT_FALSE(r.decide("dependency:cache2", kT0));
  EXPECT_FALSE(r.decide("route:/api/menu", kT0));
}

TEST(FaultRegistry, FaultsExpireAtTheirDeadline) {
  Registry r;
  ASSERT_TRUE(r.add(make(Kind::kError, "route:/x", 10s), kT0));
  ASSERT_TRUE(r.add(make(Kind::kError, "route:/y", 20s), kT0));
  EXPECT_TRUE(r.decide("route:/x", kT0 + 9s));
  EXPECT_FALSE(r.decide("route:/x", kT0 + 10s));
  EXPECT_EQ(r.list(kT0 + 10s).size(), 1u);
  EXPECT_FALSE(r.empty());
  EXPECT_TRUE(r.list(kT0 + 20s).empty());
  EXPECT_TRUE(r.empty());
}

TEST(FaultRegistry, RefusesExpiredAndOverlongFaults) {
  Registry r;
  auto expired = r.add(make(Kind::kError, "route:/x", 0s), kT0);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(r.add(make(Kind::kError, "route:/x", kMaxFaultDuration), kT0));
  EXPECT_FALSE(r.add(make(Kind::kError, "route:/x", kMaxFaultDuration + 1s), kT0));
}

TEST(FaultRegistry, RefusesMoreThanTheLimitUntilOneExpires) {
  Registry r;
  for (std::size_t i = 0; i < kMaxFaults; ++i) {
    ASSERT_TRUE(r.add(make(Kind::kError, "route:/x", i == 0 ? 5s : 60s), kT0)) << i;
  }
  auto refused = r.add(make(Kind::kError, "route:/x"), kT0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  // The first fault's expiry frees a slot.
  EXPECT_TRUE(r.add(make(Kind::kError, "route:/x"), kT0 + 5s));
}

TEST(FaultRegistry, RemovesOneOrAll) {
  Registry r;
  auto a = r.add(make(Kind::kError, "route:/a"), kT0);
  auto b = r.add(make(Kind::kError, "route:/b"), kT0);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(r.remove(a->id));
  EXPECT_FALSE(r.remove(a->id));
  EXPECT_FALSE(r.remove("f999"));
  EXPECT_FALSE(r.decide("route:/a", kT0));
  EXPECT_TRUE(r.decide("route:/b", kT0));
  r.clear();
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.decide("route:/b", kT0));
  // Ids are not reused after removal.
  EXPECT_EQ(r.add(make(Kind::kError, "route:/c"), kT0)->id, "f3");
}

TEST(FaultRegistry, ProbabilityFiresInProportion) {
  Registry r(20261125);
  ASSERT_TRUE(r.add(make(Kind::kError, "route:/x", 60s, 0.3), kT0));
  constexpr int kDecisions = 4000;
  int fired = 0;
  for (int i = 0; i < kDecisions; ++i) fired += r.decide("route:/x", kT0) ? 1 : 0;
  // Binomial(4000, 0.3): mean 1200, sigma ~29; six sigma keeps this from flaking.
  EXPECT_NEAR(fired, 1200, 6 * std::sqrt(kDecisions * 0.3 * 0.7));
}

TEST(FaultRegistry, ProbabilityOneAlwaysFiresAndALosingCoinFallsThrough) {
  Registry r(7);
  ASSERT_TRUE(r.add(make(Kind::kLatency, "route:/x", 60s, 1e-9), kT0));
  ASSERT_TRUE(r.add(make(Kind::kError, "route:/x", 60s, 1.0), kT0));
  for (int i = 0; i < 200; ++i) {
    auto action = r.decide("route:/x", kT0);
    ASSERT_TRUE(action);
    EXPECT_EQ(action->kind, Kind::kError);
  }
}

TEST(FaultRegistry, ReplaysTheSameDecisionsForTheSameSeed) {
  Registry a(42);
  Registry b(42);
  ASSERT_TRUE(a.add(make(Kind::kError, "route:/x", 60s, 0.5), kT0));
  ASSERT_TRUE(b.add(make(Kind::kError, "route:/x", 60s, 0.5), kT0));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.decide("route:/x", kT0).has_value(), b.decide("route:/x", kT0).has_value())
        << "decision " << i;
  }
}

}  // namespace
}  // namespace cafe::faults
