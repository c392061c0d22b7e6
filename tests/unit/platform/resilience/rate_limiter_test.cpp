#include "platform/resilience/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::resilience {
namespace {

using namespace std::chrono_literals;
const RateLimiter::TimePoint kT0 = RateLimiter::TimePoint{} + 1000s;

TEST(RateLimiter, AllowsTheBurstThenRefusesWithRetryAfter) {
  RateLimiter limiter({.rate_per_second = 2, .burst = 5, .max_keys = 10});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.try_acquire("alice", kT0).allowed) << i;
  const auto refused = limiter.try_acquire("alice", kT0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST(RateLimiter, RetryAfterCoversASlowRefill) {
  RateLimiter limiter({.rate_per_second = 0.1, .burst = 1, .max_keys = 10});
  EXPECT_TRUE(limiter.try_acquire("alice", kT0).allowed);
  EXPECT_EQ(limiter.try_acquire("alice", kT0).retry_after_seconds, 10);
  EXPECT_EQ(limiter.try_acquire("alice", kT0 + 4500ms).retry_after_seconds, 6);
}

TEST(RateLimiter, RefillsOverTime) {
  RateLimiter limiter({.rate_per_second = 2, .burst = 2, .max_keys = 10});
  EXPECT_TRUE(limiter.try_acquire("alice", kT0).allowed);
  EXPECT_TRUE(limiter.try_acquire("alice", kT0).allowed);
  EXPECT_FALSE(limiter.try_acquire("alice", kT0).allowed);
  EXPECT_FALSE(limiter.try_acquire("alice", kT0 + 400ms).allowed);
  EXPECT_TRUE(limiter.try_acquire("alice", kT0 + 500ms).allowed);
  // Never more than the burst, however long it waited.
  EXPECT_TRUE(limiter.try_acquire("alice", kT0 + 1h).allowed);
  EXPECT_TRUE(limiter.try_acquire("alice", kT0 + 1h).allowed);
  EXPECT_FALSE(limiter.try_acquire("alice", kT0 + 1h).allowed);
}

TEST(RateLimiter, KeepsKeysApart) {
  RateLimiter limiter({.rate_per_second = 1, .burst = 1, .max_keys = 10});
  EXPECT_TRUE(limiter.try_acquire("alice", kT0).allowed);
  EXPECT_FALSE(limiter.try_acquire("alice", kT0).allowed);
  EXPECT_TRUE(limiter.try_acquire("bob", kT0).allowed);
}

TEST(RateLimiter, EvictsTheLeastRecentlyUsedKeyBeyondMaxKeys) {
  RateLimiter limiter({.rate_per_second = 1, .burst = 1, .max_keys = 3});
  EXPECT_TRUE(limiter.try_acquire("a", kT0).allowed);
  EXPECT_TRUE(limiter.try_acquire("b", kT0).allowed);
  EXPECT_TRUE(limiter.try_acquire("c", kT0).allowed);
  EXPECT_FALSE(limiter.try_acquire("a", kT0).allowed);  // "a" is now the most recent
  EXPECT_TRUE(limiter.try_acquire("d", kT0).allowed);   // evicts "b"
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_EQ(limiter.evictions(), 1u);
  EXPECT_FALSE(limiter.try_acquire("a", kT0).allowed);  // kept its empty bucket
  EXPECT_FALSE(limiter.try_acquire("c", kT0).allowed);
  EXPECT_TRUE(limiter.try_acquire("b", kT0).allowed);  // came back with a full bucket
}

TEST(RateLimiter, AFloodOfKeysKeepsMemoryBounded) {
  RateLimiter limiter({.rate_per_second = 1, .burst = 1, .max_keys = 100});
  for (int i = 0; i < 10'000; ++i) limiter.try_acquire("client-" + std::to_string(i), kT0);
  EXPECT_EQ(limiter.size(), 100u);
  EXPECT_EQ(limiter.evictions(), 9'900u);
}

}  // namespace
}  // namespace cafe::resilience
