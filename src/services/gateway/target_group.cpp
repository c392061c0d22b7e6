#include "services/gateway/target_group.h"

#include <algorithm>

namespace cafe::gateway {

bool UpstreamTarget::record_check(bool passed, const HealthThresholds& thresholds) {
  std::lock_guard lock(mutex_);
  int streak = streak_.load(std::memory_order_relaxed);
  if (passed) {
    streak = streak > 0 ? streak + 1 : 1;
  } else {
    streak = streak < 0 ? streak - 1 : -1;
  }
  streak_.store(streak, std::memory_order_relaxed);
  const bool was_healthy = healthy_.load(std::memory_order_relaxed);
  if (!was_healthy && streak >= thresholds.rise) {
    healthy_.store(true, std::memory_order_relaxed);
    return true;
  }
  if (was_healthy && -streak >= thresholds.fall) {
    healthy_.store(false, std::memory_order_relaxed);
    return true;
  }
  return false;
}

TargetGroup::TargetGroup(std::string name, std::vector<http_client::Target> targets)
    : name_(std::move(name)) {
  for (auto& t : targets) targets_.push_back(std::make_unique<UpstreamTarget>(std::move(t)));
}

bool TargetGroup::any_healthy() const noexcept {
  return std::any_of(targets_.begin(), targets_.end(), [](const auto& t) { return t->healthy(); });
}

UpstreamTarget* TargetGroup::pick(const std::vector<const UpstreamTarget*>& tried) {
  const std::size_t n = targets_.size();
  if (n == 0) return nullptr;
  const std::size_t start = cursor_.fetch_add(1, std::memory_order_relaxed);
  UpstreamTarget* best = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    UpstreamTarget* t = targets_[(start + i) % n].get();
    if (!t->healthy() || std::find(tried.begin(), tried.end(), t) != tried.end()) continue;
    if (!best || t->outstanding() < best->outstanding()) best = t;
  }
  return best;
}

}  // namespace cafe::gateway
