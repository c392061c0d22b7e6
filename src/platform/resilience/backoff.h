// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
// Backoff and Jitter"): the delay before retry n is uniform in
// [0, min(cap, base × 2^(n-1))]. Full jitter spreads the retries of many
// callers that failed together, so they do not return in lockstep.
// Randomness is passed in: the same seed gives the same delays.
#pragma once

#include <chrono>
#include <random>

namespace cafe::resilience {

class Backoff {
 public:
  struct Options {
    std::chrono::milliseconds base{25};
    std::chrono::milliseconds cap{1'000};
  };

  explicit Backoff(Options options);

  // `attempt` is the retry number, starting at 1; values below 1 count as 1.
  std::chrono::milliseconds delay(int attempt, std::mt19937_64& rng) const;
  // The upper bound of delay(attempt).
  std::chrono::milliseconds ceiling(int attempt) const;

  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace cafe::resilience
