#include "platform/resilience/backoff.h"

#include <algorithm>
#include <cstdint>

namespace cafe::resilience {

Backoff::Backoff(Options options) : options_(options) {
  options_.base = std::max(options_.base, std::chrono::milliseconds(0));
  options_.cap = std::max(options_.cap, std::chrono::milliseconds(0));
}

std::chrono::milliseconds Backoff::ceiling(int attempt) const {
  // Past 2^30 the cap has long been reached; stopping there avoids overflow.
  const int shift = std::clamp(attempt - 1, 0, 30);
  const std::int64_t base = options_.base.count();
  const std::int64_t cap = options_.cap.count();
  if (base == 0) return std::chrono::milliseconds(0);
  const std::int64_t grown = (base > (cap >> shift)) ? cap : (base << shift);
  return std::chrono::milliseconds(std::min(grown, cap));
}

std::chrono::milliseconds Backoff::delay(int attempt, std::mt19937_64& rng) const {
  const std::int64_t upper = ceiling(attempt).count();
  std::uniform_int_distribution<std::int64_t> pick(0, upper);
  return std::chrono::milliseconds(pick(rng));
}

}  // namespace cafe::resilience
