#include "platform/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

namespace cafe::resilience {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

const CircuitBreaker::TimePoint kT0 = CircuitBreaker::TimePoint{} + 1000s;

CircuitBreaker make_breaker() {
  return CircuitBreaker({.window = 10,
                         .window_duration = 10s,
                         .min_failures = 3,
                         .failure_ratio = 0.5,
                         .open_duration = 5s,
                         .half_open_trials = 1});
}

void fail_times(CircuitBreaker& b, int n, CircuitBreaker::TimePoint at) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.allow(at));
    b.record_failure(at);
  }
}

TEST(CircuitBreaker, StaysClosedBelowMinimumFailures) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 2, kT0);
  EXPECT_EQ(b.state(kT0), State::kClosed);
  EXPECT_TRUE(b.allow(kT0));
}

TEST(CircuitBreaker, OpensAfterThresholdAndRejectsWhileOpen) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 3, kT0);
  EXPECT_EQ(b.state(kT0), State::kOpen);
  EXPECT_FALSE(b.allow(kT0));
  EXPECT_FALSE(b.allow(kT0 + 4999ms));
}

TEST(CircuitBreaker, StaysClosedWhileFailuresAreBelowTheRatio) {
  CircuitBreaker b = make_breaker();
  for (int i = 0; i < 7; ++i) b.record_success(kT0);
  fail_times(b, 3, kT0);  // 3 of 10 = 30% < 50%
  EXPECT_EQ(b.state(kT0), State::kClosed);
  fail_times(b, 2, kT0);  // window of 10 now holds 5 failures = 50%
  EXPECT_EQ(b.state(kT0), State::kOpen);
}

TEST(CircuitBreaker, ForgetsFailuresOlderThanTheWindowDuration) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 2, kT0);
  fail_times(b, 1, kT0 + 11s);
  EXPECT_EQ(b.state(kT0 + 11s), State::kClosed);
}

TEST(CircuitBreaker, TurnsHalfOpenAfterOpenDurationAndAllowsOneTrial) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 3, kT0);
  EXPECT_EQ(b.state(kT0 + 5s), State::kHalfOpen);
  EXPECT_TRUE(b.allow(kT0 + 5s));
  EXPECT_FALSE(b.allow(kT0 + 5s));  // the single trial is in flight
}

TEST(CircuitBreaker, ClosesOnTrialSuccess) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 3, kT0);
  ASSERT_TRUE(b.allow(kT0 + 5s));
  b.record_success(kT0 + 5s);
  EXPECT_EQ(b.state(kT0 + 5s), State::kClosed);
  // The window restarted empty: two new failures do not trip it.
  fail_times(b, 2, kT0 + 6s);
  EXPECT_EQ(b.state(kT0 + 6s), State::kClosed);
}

TEST(CircuitBreaker, ReopensOnTrialFailure) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 3, kT0);
  ASSERT_TRUE(b.allow(kT0 + 5s));
  b.record_failure(kT0 + 5s);
  EXPECT_EQ(b.state(kT0 + 5s), State::kOpen);
  EXPECT_FALSE(b.allow(kT0 + 9s));
  EXPECT_TRUE(b.allow(kT0 + 10s));
}

TEST(CircuitBreaker, FreesATrialSlotWhoseOutcomeNeverCame) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 3, kT0);
  ASSERT_TRUE(b.allow(kT0 + 5s));
  EXPECT_FALSE(b.allow(kT0 + 9s));
  EXPECT_TRUE(b.allow(kT0 + 10s));
}

TEST(CircuitBreaker, AllowsConfiguredNumberOfHalfOpenTrials) {
  CircuitBreaker b({.min_failures = 1, .failure_ratio = 0.0, .open_duration = 1s, .half_open_trials = 3});
  ASSERT_TRUE(b.allow(kT0));
  b.record_failure(kT0);
  ASSERT_EQ(b.state(kT0), State::kOpen);
  EXPECT_TRUE(b.allow(kT0 + 1s));
  EXPECT_TRUE(b.allow(kT0 + 1s));
  EXPECT_TRUE(b.allow(kT0 + 1s));
  EXPECT_FALSE(b.allow(kT0 + 1s));
}

TEST(CircuitBreaker, IgnoresLateResultsWhileOpen) {
  CircuitBreaker b = make_breaker();
  fail_times(b, 3, kT0);
  b.record_success(kT0 + 1s);
  b.record_failure(kT0 + 4s);  // must not extend the open period
  EXPECT_EQ(b.state(kT0 + 1s), State::kOpen);
  EXPECT_EQ(b.state(kT0 + 5s), State::kHalfOpen);
}

}  // namespace
}  // namespace cafe::resilience
