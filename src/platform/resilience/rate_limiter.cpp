#include "platform/resilience/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace cafe::resilience {

RateLimiter::RateLimiter(Options options) : options_(options) {
  options_.rate_per_second = std::max(options_.rate_per_second, 1e-9);
  options_.burst = std::max(options_.burst, 1.0);
  options_.max_keys = std::max<std::size_t>(options_.max_keys, 1);
  index_.reserve(options_.max_keys);
}

RateLimiter::Bucket& RateLimiter::find_or_insert(std::string_view key, TimePoint now) {
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  if (index_.size() >= options_.max_keys) {
    // Reuse the evicted node: no allocation for the list in steady state.
    index_.erase(lru_.back().key);
    lru_.splice(lru_.begin(), lru_, std::prev(lru_.end()));
    ++evictions_;
    Bucket& b = lru_.front();
    b.key.assign(key);
    b.tokens = options_.burst;
    b.refilled_at = now;
    index_.emplace(b.key, lru_.begin());
    return b;
  }
  lru_.push_front(Bucket{std::string(key), options_.burst, now});
  index_.emplace(lru_.front().key, lru_.begin());
  return lru_.front();
}

RateLimiter::Decision RateLimiter::try_acquire(std::string_view key, TimePoint now) {
  Bucket& b = find_or_insert(key, now);
  if (now > b.refilled_at) {
    const double elapsed = std::chrono::duration<double>(now - b.refilled_at).count();
    b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.rate_per_second);
    b.refilled_at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, 0};
  }
  // Clamped so a tiny configured rate cannot overflow the int.
  const double wait = std::min((1.0 - b.tokens) / options_.rate_per_second, 86'400.0);
  return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

}  // namespace cafe::resilience
