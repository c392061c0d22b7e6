// One upstream target (a replica of a service) as every I/O thread sees it:
// active health (from probes), passive outlier state (from real requests),
// in-flight count and drain state. Written and read from any thread, so
// the state is atomic; bookkeeping that must change together takes a
// per-target mutex off the success path.
#pragma once

#include "platform/http_client/client.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace cafe::upstream {

using Clock = std::chrono::steady_clock;

struct HealthThresholds {
  int rise = 2;  // consecutive passes before a down target is up again
  int fall = 2;  // consecutive failures before an up target is down
};

// Passive outlier detection, after Envoy's: `consecutive_failures` failed
// requests in a row (connect error, reset, timeout; 5xx when
// `count_5xx`) eject a target for base_ejection × the number of ejections
// in a row, capped at max_ejection. A success after it returns ends the run.
struct OutlierOptions {
  bool enabled = true;
  int consecutive_failures = 5;
  std::chrono::milliseconds base_ejection{1'000};
  std::chrono::milliseconds max_ejection{30'000};
  bool count_5xx = false;
};

// How one request to a target ended, as outlier detection counts it.
enum class Verdict : std::uint8_t { kSuccess, kFailure, kNeutral };

// kFailure for connect errors, resets, timeouts, protocol errors (and 5xx
// when count_5xx); kNeutral when no call was made (breaker open, pool
// exhausted) or the response was ours to refuse (too large).
Verdict classify(const http_client::Outcome& outcome, const OutlierOptions& options) noexcept;

class Target {
 public:
  explicit Target(http_client::Target target) : target_(std::move(target)), name_(target_.to_string()) {}

  const http_client::Target& address() const noexcept { return target_; }
  const std::string& name() const noexcept { return name_; }

  // In rotation: healthy by probes, not draining, not ejected at `now`.
  bool available(Clock::time_point now) const noexcept { return healthy() && !draining() && !ejected(now); }
  bool healthy() const noexcept { return healthy_.load(std::memory_order_relaxed); }
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
  bool ejected(Clock::time_point now) const noexcept {
    return ejected_until_.load(std::memory_order_relaxed) > now.time_since_epoch().count();
  }
  int outstanding() const noexcept { return outstanding_.load(std::memory_order_relaxed); }

  void begin_request() noexcept { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  void end_request() noexcept { outstanding_.fetch_sub(1, std::memory_order_relaxed); }

  // A probe result. Returns true when the target's health changed.
  bool record_check(bool passed, const HealthThresholds& thresholds);
  // A real request's result. Returns true when it ejected the target.
  bool record_result(Verdict verdict, const OutlierOptions& options, Clock::time_point now);
  void start_draining() noexcept { draining_.store(true, std::memory_order_relaxed); }

  int ejections_in_a_row() const;

 private:
  http_client::Target target_;
  std::string name_;
  std::atomic<bool> healthy_{true};  // optimistic: serve at once, let checks take it out
  std::atomic<bool> draining_{false};
  std::atomic<int> outstanding_{0};
  std::atomic<Clock::rep> ejected_until_{0};
  std::atomic<int> failures_in_a_row_{0};
  mutable std::mutex mutex_;  // serialises the bookkeeping below and record_check()
  int check_streak_ = 0;      // > 0 passes, < 0 failures, since the last change
  int ejections_in_a_row_ = 0;
};

}  // namespace cafe::upstream
