#include "cluster/restart_policy.h"

#include <algorithm>

namespace cafe::cluster {

std::optional<std::chrono::milliseconds> RestartPolicy::exited(Clock::time_point now) {
  const bool was_stable = ready_since_ && now - *ready_since_ >= config_.stable_after;
  ready_since_.reset();
  if (was_stable) {
    recent_exits_.clear();
    next_backoff_ = std::chrono::milliseconds{0};
  }
  while (!recent_exits_.empty() && now - recent_exits_.front() > config_.crash_loop_window)
    recent_exits_.pop_front();
  recent_exits_.push_back(now);
  if (static_cast<int>(recent_exits_.size()) > config_.crash_loop_restarts) {
    crash_looping_ = true;
    return std::nullopt;
  }
  next_backoff_ =
      next_backoff_.count() == 0 ? config_.initial_backoff : std::min(next_backoff_ * 2, config_.max_backoff);
  ++restarts_;
  return next_backoff_;
}

void RestartPolicy::reset() {
  recent_exits_.clear();
  ready_since_.reset();
  next_backoff_ = std::chrono::milliseconds{0};
  crash_looping_ = false;
}

}  // namespace cafe::cluster
