#include "platform/cache/internal/backoff.h"

#include <gtest/gtest.h>

namespace cafe::cache::internal {
namespace {

using namespace std::chrono_literals;

TEST(ReconnectBackoff, DoublesUpToTheCap) {
  Backoff backoff(100ms, 2s);
  EXPECT_EQ(backoff.next(), 100ms);
  EXPECT_EQ(backoff.next(), 200ms);
  EXPECT_EQ(backoff.next(), 400ms);
  EXPECT_EQ(backoff.next(), 800ms);
  EXPECT_EQ(backoff.next(), 1600ms);
  EXPECT_EQ(backoff.next(), 2s);
  EXPECT_EQ(backoff.next(), 2s);
}

TEST(ReconnectBackoff, ResetStartsOverFromTheInitialDelay) {
  Backoff backoff(100ms, 2s);
  backoff.next();
  backoff.next();
  backoff.reset();
  EXPECT_EQ(backoff.next(), 100ms);
}

}  // namespace
}  // namespace cafe::cache::internal
