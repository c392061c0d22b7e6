// A circuit breaker per dependency: closed → open → half-open → closed.
//
// Closed: calls pass; outcomes go into a rolling window (the last `window`
// calls, none older than `window_duration`). The breaker trips when the
// window holds at least `min_failures` failures AND failures make up at
// least `failure_ratio` of it — both, so a quiet dependency with two calls
// does not trip on one failure, and a busy one does not trip on background
// noise.
// Open: every call is refused (the caller fails fast) for `open_duration`.
// Half-open: up to `half_open_trials` trial calls pass; the first success
// closes the breaker with an empty window, the first failure re-opens it.
// A trial whose outcome is never recorded (its caller was cancelled) frees
// its slot after another `open_duration`, so the breaker cannot stick.
//
// Time is passed in, never read, so tests drive it without sleeping.
// Not thread-safe: one breaker per dependency per I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cafe::resilience {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  enum class State : std::uint8_t { kClosed = 0, kHalfOpen = 1, kOpen = 2 };

  struct Options {
    std::size_t window = 20;
    std::chrono::milliseconds window_duration{10'000};
    std::size_t min_failures = 5;
    double failure_ratio = 0.5;
    std::chrono::milliseconds open_duration{5'000};
    std::size_t half_open_trials = 1;
  };

  explicit CircuitBreaker(Options options);

  // True when a call may go ahead. In half-open it takes a trial slot, so
  // call it only for a call that will really be made.
  [[nodiscard]] bool allow(TimePoint now);
  void record_success(TimePoint now);
  void record_failure(TimePoint now);
  // The state a call arriving at `now` would see (open turns half-open once
  // open_duration has passed, even before the next allow()).
  State state(TimePoint now) const;

  const Options& options() const noexcept { return options_; }

 private:
  struct Sample {
    TimePoint at;
    bool failure;
  };

  void record(TimePoint now, bool failure);
  void expire(TimePoint now);
  void trip(TimePoint now);
  void close();

  Options options_;
  State state_ = State::kClosed;
  TimePoint changed_at_{};  // when it opened, or turned half-open
  std::size_t trials_in_flight_ = 0;

  // Ring buffer of the last `window` outcomes, oldest at head_.
  std::vector<Sample> samples_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::size_t failures_ = 0;
};

const char* to_string(CircuitBreaker::State s) noexcept;

}  // namespace cafe::resilience
