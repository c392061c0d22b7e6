// Exponential delay between reconnect attempts: initial, doubled after each
// failure, capped; reset after a success. Deterministic (no jitter): each
// process keeps one connection per I/O thread, so there is no herd to spread.
#pragma once

#include <algorithm>
#include <chrono>

namespace cafe::cache::internal {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) : initial_(initial), max_(max) {}

  // The delay before the next attempt; each call doubles the one after.
  std::chrono::milliseconds next() {
    auto delay = next_;
    next_ = std::min(next_ * 2, max_);
    return delay;
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_ = initial_;
};

}  // namespace cafe::cache::internal
