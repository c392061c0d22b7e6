#include "platform/resilience/retry_budget.h"

#include <algorithm>

namespace cafe::resilience {

RetryBudget::RetryBudget(Options options) : options_(options) {
  options_.window = std::max(options_.window, std::chrono::milliseconds(kBuckets));
  slice_width_ = std::chrono::duration_cast<Clock::duration>(options_.window) / kBuckets;
}

std::int64_t RetryBudget::slice_of(TimePoint now) const {
  return static_cast<std::int64_t>(now.time_since_epoch() / slice_width_);
}

RetryBudget::Bucket& RetryBudget::current(TimePoint now) {
  const std::int64_t slice = slice_of(now);
  Bucket& b = buckets_[static_cast<std::size_t>(slice) % kBuckets];
  if (b.slice != slice) b = Bucket{slice, 0, 0};
  return b;
}

void RetryBudget::record_request(TimePoint now) {
  ++current(now).requests;
}

bool RetryBudget::try_spend_retry(TimePoint now) {
  const std::int64_t slice = slice_of(now);
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  for (const Bucket& b : buckets_) {
    if (b.slice > slice - static_cast<std::int64_t>(kBuckets) && b.slice <= slice) {
      requests += b.requests;
      retries += b.retries;
    }
  }
  const double window_seconds = std::chrono::duration<double>(options_.window).count();
  const double allowance =
      options_.ratio * static_cast<double>(requests) + options_.min_retries_per_second * window_seconds;
  if (static_cast<double>(retries) + 1.0 > allowance) return false;
  ++current(now).retries;
  return true;
}

}  // namespace cafe::resilience
