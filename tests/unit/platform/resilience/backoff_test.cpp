#include "platform/resilience/backoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace cafe::resilience {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, CeilingDoublesUntilTheCap) {
  Backoff b({.base = 10ms, .cap = 100ms});
  EXPECT_EQ(b.ceiling(1), 10ms);
  EXPECT_EQ(b.ceiling(2), 20ms);
  EXPECT_EQ(b.ceiling(4), 80ms);
  EXPECT_EQ(b.ceiling(5), 100ms);
  EXPECT_EQ(b.ceiling(1000), 100ms);
  EXPECT_EQ(b.ceiling(0), 10ms);
}

TEST(Backoff, DelaysStayWithinZeroAndTheCeiling) {
  Backoff b({.base = 10ms, .cap = 100ms});
  std::mt19937_64 rng(42);
  for (int attempt = 1; attempt < 40; ++attempt) {
    for (int i = 0; i < 200; ++i) {
      const auto d = b.delay(attempt, rng);
      ASSERT_GE(d, 0ms);
      ASSERT_LE(d, b.ceiling(attempt));
    }
  }
}

TEST(Backoff, DelaysGrowWithTheAttempt) {
  Backoff b({.base = 10ms, .cap = 10'000ms});
  std::mt19937_64 rng(7);
  auto mean = [&](int attempt) {
    std::int64_t sum = 0;
    for (int i = 0; i < 2000; ++i) sum += b.delay(attempt, rng).count();
    return static_cast<double>(sum) / 2000.0;
  };
  const double first = mean(1);
  const double fourth = mean(4);
  EXPECT_NEAR(first, 5.0, 1.0);
  EXPECT_NEAR(fourth, 40.0, 4.0);
}

TEST(Backoff, IsDeterministicForASeed) {
  Backoff b({.base = 25ms, .cap = 1000ms});
  std::mt19937_64 a(123);
  std::mt19937_64 c(123);
  std::vector<std::int64_t> first;
  std::vector<std::int64_t> second;
  for (int i = 1; i <= 20; ++i) first.push_back(b.delay(i, a).count());
  for (int i = 1; i <= 20; ++i) second.push_back(b.delay(i, c).count());
  EXPECT_EQ(first, second);
  EXPECT_TRUE(std::any_of(first.begin(), first.end(), [](std::int64_t d) { return d > 0; }));
}

}  // namespace
}  // namespace cafe::resilience
