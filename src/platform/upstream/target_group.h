// A named group of upstream targets (the replicas of one service) whose
// membership changes at run time: targets are added, drained (no new
// requests; they leave once their in-flight ones finish) and removed while
// every I/O thread keeps picking from it.
//
// Membership is a copy-on-write snapshot: a change builds a new vector
// under a lock and publishes it; a pick reads the current snapshot without
// locking. A removed target lives on while a request still holds it.
//
// Picking: least outstanding requests among the targets in rotation
// (healthy, not draining, not ejected, not refused by the caller's
// breaker, not tried yet), ties round-robin. When fewer than
// `panic_threshold` of the group is in rotation, health and ejection are
// ignored (Envoy's panic mode): better to spread load over all than to
// crush the few left.
#pragma once

#include "platform/core/error.h"
#include "platform/upstream/target.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cafe::upstream {

using TargetPtr = std::shared_ptr<Target>;

struct GroupSnapshot {
  std::vector<TargetPtr> targets;
};

struct GroupOptions {
  double panic_threshold = 0.5;  // 0 disables panic mode
};

class TargetGroup {
 public:
  using Options = GroupOptions;

  TargetGroup(std::string name, Options options);
  TargetGroup(std::string name, std::vector<http_client::Target> targets, Options options = {});

  const std::string& name() const noexcept { return name_; }

  // The current members (draining ones included).
  std::shared_ptr<const GroupSnapshot> snapshot() const { return snapshot_.load(std::memory_order_acquire); }

  // kConflict when the address is already a member (draining or not).
  Result<TargetPtr> add(http_client::Target target);
  // Marks the target draining; it leaves once nothing is in flight
  // (collect_drained()). kNotFound when it is not a member.
  Result<TargetPtr> drain(const http_client::Target& target);
  // Removes drained targets with nothing in flight; returns them.
  std::vector<TargetPtr> collect_drained();

  // The target for the next attempt, or null. `blocked(t)` lets the caller
  // skip targets it knows to refuse (its breaker is open).
  TargetPtr pick(const std::vector<const Target*>& tried, Clock::time_point now,
                 const std::function<bool(const Target&)>& blocked = {});

 private:
  void publish(std::vector<TargetPtr> targets);

  std::string name_;
  Options options_;
  std::mutex change_mutex_;  // serialises membership changes
  std::atomic<std::shared_ptr<const GroupSnapshot>> snapshot_;
  std::atomic<std::size_t> cursor_{0};
};

}  // namespace cafe::upstream
