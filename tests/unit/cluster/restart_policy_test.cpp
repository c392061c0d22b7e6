#include "cluster/restart_policy.h"

#include <gtest/gtest.h>

namespace cafe::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = RestartPolicy::Clock;

// Crash-loop detection out of the way, for tests of the backoff alone.
RestartPolicyConfig backoff_only() {
  return {.initial_backoff = 100ms,
          .max_backoff = 1s,
          .crash_loop_restarts = 1000,
          .crash_loop_window = 60s,
          .stable_after = 10s};
}

RestartPolicyConfig three_in_a_minute() {
  return {.initial_backoff = 100ms,
          .max_backoff = 1s,
          .crash_loop_restarts = 3,
          .crash_loop_window = 60s,
          .stable_after = 10s};
}

TEST(RestartPolicy, BackoffDoublesFromTheInitialDelayUpToTheMaximum) {
  RestartPolicy policy(backoff_only());
  Clock::time_point now{};
  std::vector<long> delays;
  for (int i = 0; i < 7; ++i) {
    now += 1s;
    auto delay = policy.exited(now);
    ASSERT_TRUE(delay);
    delays.push_back(static_cast<long>(delay->count()));
  }
  EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(policy.restarts(), 7);
  EXPECT_FALSE(policy.crash_looping());
}

TEST(RestartPolicy, ACrashLoopIsOneExitMoreThanTheAllowedRestartsWithinTheWindow) {
  RestartPolicy policy(three_in_a_minute());
  Clock::time_point now{};
  for (int i = 0; i < 3; ++i) {
    now += 10s;
    EXPECT_TRUE(policy.exited(now)) << "exit " << i + 1;
    EXPECT_FALSE(policy.crash_looping());
  }
  now += 10s;
  EXPECT_FALSE(policy.exited(now));
  EXPECT_TRUE(policy.crash_looping());
  EXPECT_EQ(policy.restarts(), 3);
}

TEST(RestartPolicy, ExitsSpreadBeyondTheWindowDoNotTripIt) {
  RestartPolicy policy(three_in_a_minute());
  Clock::time_point now{};
  // One exit every 21 s: at most three fall within any 60 s.
  for (int i = 0; i < 20; ++i) {
    now += 21s;
    EXPECT_TRUE(policy.exited(now)) << "exit " << i + 1;
  }
  EXPECT_FALSE(policy.crash_looping());
}

TEST(RestartPolicy, AnExitExactlyAWindowAfterTheFirstStillCounts) {
  RestartPolicy policy(three_in_a_minute());
  const Clock::time_point start{};
  EXPECT_TRUE(policy.exited(start));
  EXPECT_TRUE(policy.exited(start + 20s));
  EXPECT_TRUE(policy.exited(start + 40s));
  EXPECT_FALSE(policy.exited(start + 60s));
  EXPECT_TRUE(policy.crash_looping());
}

TEST(RestartPolicy, AStableRunResetsTheBackoff) {
  RestartPolicy policy(backoff_only());
  Clock::time_point now{};
  EXPECT_EQ(policy.exited(now += 1s), 100ms);
  EXPECT_EQ(policy.exited(now += 1s), 200ms);
  EXPECT_EQ(policy.exited(now += 1s), 400ms);
  policy.ready(now += 1s);
  EXPECT_EQ(policy.exited(now += 10s), 100ms);
}

TEST(RestartPolicy, ARunShorterThanStableAfterKeepsTheBackoffGrowing) {
  RestartPolicy policy(backoff_only());
  Clock::time_point now{};
  EXPECT_EQ(policy.exited(now += 1s), 100ms);
  EXPECT_EQ(policy.exited(now += 1s), 200ms);
  policy.ready(now += 1s);
  EXPECT_EQ(policy.exited(now += 9999ms), 400ms);
}

TEST(RestartPolicy, AStableRunForgetsEarlierExitsForCrashLoops) {
  RestartPolicy policy(three_in_a_minute());
  Clock::time_point now{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(policy.exited(now += 1s));
  policy.ready(now += 1s);
  // Ready for stable_after: three more exits inside the same minute are allowed.
  now += 10s;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(policy.exited(now += 1s)) << "exit " << i + 1;
  EXPECT_FALSE(policy.crash_looping());
}

TEST(RestartPolicy, ResetClearsACrashLoopAndStartsTheBackoffAfresh) {
  RestartPolicy policy(three_in_a_minute());
  Clock::time_point now{};
  for (int i = 0; i < 4; ++i) policy.exited(now += 1s);
  ASSERT_TRUE(policy.crash_looping());
  policy.reset();
  EXPECT_FALSE(policy.crash_looping());
  EXPECT_EQ(policy.exited(now += 1s), 100ms);
  EXPECT_FALSE(policy.crash_looping());
}

}  // namespace
}  // namespace cafe::cluster
