#include "platform/resilience/retry_budget.h"

#include <gtest/gtest.h>

namespace cafe::resilience {
namespace {

using namespace std::chrono_literals;
const RetryBudget::TimePoint kT0 = RetryBudget::TimePoint{} + 1000s;

int spend_all(RetryBudget& budget, RetryBudget::TimePoint at) {
  int spent = 0;
  while (spent < 100'000 && budget.try_spend_retry(at)) ++spent;
  return spent;
}

TEST(RetryBudget, CapsRetriesAtTheRatioOfRequests) {
  RetryBudget budget({.window = 10s, .ratio = 0.2, .min_retries_per_second = 0});
  for (int i = 0; i < 100; ++i) budget.record_request(kT0);
  EXPECT_EQ(spend_all(budget, kT0), 20);
}

TEST(RetryBudget, AllowsTheMinimumRateWithNoRequests) {
  RetryBudget budget({.window = 10s, .ratio = 0.2, .min_retries_per_second = 1});
  EXPECT_EQ(spend_all(budget, kT0), 10);  // 1/s over a 10 s window
}

TEST(RetryBudget, AddsTheRatioToTheMinimum) {
  RetryBudget budget({.window = 10s, .ratio = 0.5, .min_retries_per_second = 0.5});
  for (int i = 0; i < 10; ++i) budget.record_request(kT0);
  EXPECT_EQ(spend_all(budget, kT0), 10);  // 0.5 × 10 + 0.5 × 10
}

TEST(RetryBudget, RefusesWithNoRequestsAndNoMinimum) {
  RetryBudget budget({.window = 10s, .ratio = 0.2, .min_retries_per_second = 0});
  EXPECT_FALSE(budget.try_spend_retry(kT0));
}

TEST(RetryBudget, ForgetsRequestsAndRetriesOutsideTheWindow) {
  RetryBudget budget({.window = 10s, .ratio = 0.2, .min_retries_per_second = 0});
  for (int i = 0; i < 50; ++i) budget.record_request(kT0);
  EXPECT_EQ(spend_all(budget, kT0), 10);
  // Ten seconds later both the requests and the spent retries are gone.
  EXPECT_FALSE(budget.try_spend_retry(kT0 + 10s));
  for (int i = 0; i < 10; ++i) budget.record_request(kT0 + 10s);
  EXPECT_EQ(spend_all(budget, kT0 + 10s), 2);
}

TEST(RetryBudget, SlidesASliceAtATime) {
  RetryBudget budget({.window = 10s, .ratio = 1.0, .min_retries_per_second = 0});
  for (int i = 0; i < 5; ++i) budget.record_request(kT0);
  for (int i = 0; i < 5; ++i) budget.record_request(kT0 + 5s);
  EXPECT_EQ(spend_all(budget, kT0 + 9s), 10);
  // At +10 s the first five requests left the window but their retries did
  // not (they were spent at +9 s), so nothing is left.
  EXPECT_FALSE(budget.try_spend_retry(kT0 + 10s));
}

}  // namespace
}  // namespace cafe::resilience
