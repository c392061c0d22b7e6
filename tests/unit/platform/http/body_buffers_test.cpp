#include "platform/http/body_buffers.h"

#include <gtest/gtest.h>

namespace cafe::http {
namespace {

// The cache is per thread and the tests share one: start each empty.
void drain() {
  while (take_body_buffer(0).capacity() > std::string().capacity()) {
  }
}

TEST(BodyBuffers, HandsBackTheStorageGivenBack) {
  drain();
  std::string body(5000, 'x');
  const char* storage = body.data();
  give_back_body_buffer(std::move(body));
  EXPECT_TRUE(body.empty());
  const std::string again = take_body_buffer(4000);
  EXPECT_EQ(again.data(), storage);
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), 4000u);
}

TEST(BodyBuffers, AllocatesWhenNothingGivenBackIsLargeEnough) {
  drain();
  give_back_body_buffer(std::string(100, 'x'));
  EXPECT_GE(take_body_buffer(10'000).capacity(), 10'000u);
  EXPECT_GE(take_body_buffer(50).capacity(), 100u) << "the smaller one is still there";
}

TEST(BodyBuffers, KeepsABoundedNumberOfBoundedBuffers) {
  drain();
  for (std::size_t i = 0; i < 2 * kCachedBodies; ++i) give_back_body_buffer(std::string(3000, 'x'));
  for (std::size_t i = 0; i < kCachedBodies; ++i) EXPECT_GE(take_body_buffer(0).capacity(), 3000u) << i;
  EXPECT_EQ(take_body_buffer(0).capacity(), std::string().capacity()) << "no more than kCachedBodies kept";
  give_back_body_buffer(std::string(kMaxCachedBody + 1, 'x'));
  EXPECT_EQ(take_body_buffer(0).capacity(), std::string().capacity()) << "an oversized one is not kept";
}

}  // namespace
}  // namespace cafe::http
