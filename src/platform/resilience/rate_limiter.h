// Per-key token buckets (the gateway's per-client rate limit, DESIGN §2).
// Each key gets a bucket of `burst` tokens refilled at `rate_per_second`;
// a request takes one token or is refused with a Retry-After.
//
// Memory is bounded: at most `max_keys` buckets, kept in least-recently-used
// order; a new key beyond that evicts the least recently used one, so a
// flood of made-up client ids cannot grow memory. An evicted key comes back
// with a full bucket, so max_keys should exceed the number of clients that
// are active within a refill period (burst / rate seconds).
//
// Time is passed in, never read. Not thread-safe by contract: one limiter
// per I/O thread (each thread then enforces the rate for the connections it
// owns; with N threads a client may get up to N × rate).
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cafe::resilience {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  struct Options {
    double rate_per_second = 100.0;
    double burst = 200.0;
    std::size_t max_keys = 10'000;
  };

  struct Decision {
    bool allowed = false;
    int retry_after_seconds = 0;  // >= 1 when refused, 0 when allowed
  };

  explicit RateLimiter(Options options);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  Decision try_acquire(std::string_view key, TimePoint now);

  std::size_t size() const noexcept { return index_.size(); }
  std::size_t evictions() const noexcept { return evictions_; }
  const Options& options() const noexcept { return options_; }

 private:
  struct Bucket {
    std::string key;
    double tokens = 0;
    TimePoint refilled_at{};
  };
  using Lru = std::list<Bucket>;  // most recently used at the front

  Bucket& find_or_insert(std::string_view key, TimePoint now);

  Options options_;
  Lru lru_;
  // Keys view the strings owned by the list nodes, which never move.
  std::unordered_map<std::string_view, Lru::iterator> index_;
  std::size_t evictions_ = 0;
};

}  // namespace cafe::resilience
