// When the supervisor restarts a replica that exited: exponential backoff
// from the first exit, reset by a stable run, and crash-loop detection that
// stops restarting a replica which keeps dying. Pure: the caller passes the
// time.
#pragma once

#include "cluster/cluster_config.h"

#include <chrono>
#include <deque>
#include <optional>

namespace cafe::cluster {

class RestartPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RestartPolicy(RestartPolicyConfig config) : config_(config) {}

  // The replica became ready at `now`.
  void ready(Clock::time_point now) { ready_since_ = now; }

  // The replica exited unexpectedly at `now`: the delay before restarting
  // it, or nullopt when it is crash-looping and must stay down.
  std::optional<std::chrono::milliseconds> exited(Clock::time_point now);

  // An operator restarted or resumed it: forget the history.
  void reset();

  int restarts() const noexcept { return restarts_; }
  bool crash_looping() const noexcept { return crash_looping_; }

 private:
  RestartPolicyConfig config_;
  std::deque<Clock::time_point> recent_exits_;  // within the window; at most crash_loop_restarts
  std::optional<Clock::time_point> ready_since_;
  std::chrono::milliseconds next_backoff_{0};
  int restarts_ = 0;
  bool crash_looping_ = false;
};

}  // namespace cafe::cluster
