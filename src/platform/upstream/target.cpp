#include "platform/upstream/target.h"

#include <algorithm>

namespace cafe::upstream {

Verdict classify(const http_client::Outcome& outcome, const OutlierOptions& options) noexcept {
  using http_client::Failure;
  switch (outcome.failure) {
    case Failure::kNone:
      return options.count_5xx && outcome.response.status >= 500 ? Verdict::kFailure : Verdict::kSuccess;
    case Failure::kConnect:
    case Failure::kTimeout:
    case Failure::kReset:
    case Failure::kProtocol:
      return Verdict::kFailure;
    case Failure::kBreakerOpen:
    case Failure::kPoolExhausted:
    case Failure::kTooLarge:
      return Verdict::kNeutral;
  }
  return Verdict::kNeutral;
}

bool Target::record_check(bool passed, const HealthThresholds& thresholds) {
  std::lock_guard lock(mutex_);
  if (passed) {
    check_streak_ = check_streak_ > 0 ? check_streak_ + 1 : 1;
  } else {
    check_streak_ = check_streak_ < 0 ? check_streak_ - 1 : -1;
  }
  const bool was_healthy = healthy_.load(std::memory_order_relaxed);
  if (!was_healthy && check_streak_ >= thresholds.rise) {
    healthy_.store(true, std::memory_order_relaxed);
    return true;
  }
  if (was_healthy && -check_streak_ >= thresholds.fall) {
    healthy_.store(false, std::memory_order_relaxed);
    return true;
  }
  return false;
}

bool Target::record_result(Verdict verdict, const OutlierOptions& options, Clock::time_point now) {
  if (verdict == Verdict::kNeutral || !options.enabled) return false;
  if (verdict == Verdict::kSuccess) {
    // The common case touches one atomic; the run of ejections ends only
    // once the target has come back and served.
    if (failures_in_a_row_.load(std::memory_order_relaxed) != 0) {
      failures_in_a_row_.store(0, std::memory_order_relaxed);
    }
    if (!ejected(now) && ejected_until_.load(std::memory_order_relaxed) != 0) {
      std::lock_guard lock(mutex_);
      // Checked again under the lock: another thread may have ejected it
      // since, and that ejection stands.
      if (!ejected(now)) {
        ejections_in_a_row_ = 0;
        ejected_until_.store(0, std::memory_order_relaxed);
      }
    }
    return false;
  }
  std::lock_guard lock(mutex_);
  if (ejected(now)) return false;  // requests already in flight when it was ejected
  const int failures = failures_in_a_row_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < options.consecutive_failures) return false;
  failures_in_a_row_.store(0, std::memory_order_relaxed);
  ++ejections_in_a_row_;
  const auto ejection =
      std::min<Clock::duration>(options.base_ejection * ejections_in_a_row_, options.max_ejection);
  ejected_until_.store((now + ejection).time_since_epoch().count(), std::memory_order_relaxed);
  return true;
}

int Target::ejections_in_a_row() const {
  std::lock_guard lock(mutex_);
  return ejections_in_a_row_;
}

}  // namespace cafe::upstream
