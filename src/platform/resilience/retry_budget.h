// A retry budget (Finagle's RetryBudget, Envoy's retry_budget): retries are
// allowed while the retries spent in the sliding window stay within
//   ratio × requests in the window + min_retries_per_second × window seconds.
// The ratio keeps retries a bounded fraction of the load, so a failing
// dependency sees at most (1 + ratio)× its normal traffic instead of
// max_attempts× (a retry storm); the floor lets a quiet caller still retry.
//
// The window is a ring of `buckets` fixed slices, so memory is constant and
// old counts fall off a slice at a time. record_request() counts original
// calls only; a retry is counted by a successful try_spend_retry().
// Time is passed in, never read. Not thread-safe: one per dependency per
// I/O thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace cafe::resilience {

class RetryBudget {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  static constexpr std::size_t kBuckets = 10;

  struct Options {
    std::chrono::milliseconds window{10'000};
    double ratio = 0.2;
    double min_retries_per_second = 10.0;
  };

  explicit RetryBudget(Options options);

  void record_request(TimePoint now);
  // Spends one retry if the budget allows it.
  [[nodiscard]] bool try_spend_retry(TimePoint now);

  const Options& options() const noexcept { return options_; }

 private:
  struct Bucket {
    std::int64_t slice = -1;  // which slice of time the counts belong to
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
  };

  Bucket& current(TimePoint now);
  std::int64_t slice_of(TimePoint now) const;

  Options options_;
  Clock::duration slice_width_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace cafe::resilience
