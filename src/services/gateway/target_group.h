// A named group of upstream targets (the replicas of one service) with
// active health state and least-outstanding-requests balancing. Health is
// written by the health checker and read by every I/O thread, so the
// per-target state is atomic; the group's shape never changes after start.
#pragma once

#include "platform/http_client/client.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cafe::gateway {

struct HealthThresholds {
  int rise = 2;  // consecutive passes before a down target is up again
  int fall = 2;  // consecutive failures before an up target is down
};

class UpstreamTarget {
 public:
  explicit UpstreamTarget(http_client::Target target)
      : target_(std::move(target)), name_(target_.to_string()) {}

  const http_client::Target& target() const noexcept { return target_; }
  const std::string& name() const noexcept { return name_; }

  bool healthy() const noexcept { return healthy_.load(std::memory_order_relaxed); }
  int outstanding() const noexcept { return outstanding_.load(std::memory_order_relaxed); }
  void begin_request() noexcept { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  void end_request() noexcept { outstanding_.fetch_sub(1, std::memory_order_relaxed); }

  // A health-check result (from the checker) or a connect failure (from any
  // I/O thread). Returns true when the target's state changed.
  bool record_check(bool passed, const HealthThresholds& thresholds);
  // A failed connect seen by a request: counts like a failed check, so a
  // dead replica leaves rotation before the next check.
  bool record_connect_failure(const HealthThresholds& thresholds) { return record_check(false, thresholds); }

 private:
  http_client::Target target_;
  std::string name_;
  std::atomic<bool> healthy_{true};  // optimistic: serve at once, let checks take it out
  std::atomic<int> outstanding_{0};
  std::mutex mutex_;            // serialises record_check(); reads need no lock
  std::atomic<int> streak_{0};  // > 0 passes, < 0 failures, since the last change
};

class TargetGroup {
 public:
  TargetGroup(std::string name, std::vector<http_client::Target> targets);

  const std::string& name() const noexcept { return name_; }
  std::vector<std::unique_ptr<UpstreamTarget>>& targets() noexcept { return targets_; }
  bool any_healthy() const noexcept;

  // The healthy target with the fewest outstanding requests, skipping those
  // in `tried` (earlier attempts of the same request); ties go round-robin.
  UpstreamTarget* pick(const std::vector<const UpstreamTarget*>& tried);

 private:
  std::string name_;
  std::vector<std::unique_ptr<UpstreamTarget>> targets_;
  std::atomic<std::size_t> cursor_{0};
};

}  // namespace cafe::gateway
