#include "platform/upstream/target_group.h"

#include <algorithm>

namespace cafe::upstream {

TargetGroup::TargetGroup(std::string name, Options options) : name_(std::move(name)), options_(options) {
  snapshot_.store(std::make_shared<const GroupSnapshot>(), std::memory_order_release);
}

TargetGroup::TargetGroup(std::string name, std::vector<http_client::Target> targets, Options options)
    : TargetGroup(std::move(name), options) {
  std::vector<TargetPtr> members;
  members.reserve(targets.size());
  for (auto& t : targets) members.push_back(std::make_shared<Target>(std::move(t)));
  publish(std::move(members));
}

void TargetGroup::publish(std::vector<TargetPtr> targets) {
  auto next = std::make_shared<GroupSnapshot>();
  next->targets = std::move(targets);
  snapshot_.store(std::move(next), std::memory_order_release);
}

Result<TargetPtr> TargetGroup::add(http_client::Target target) {
  std::lock_guard lock(change_mutex_);
  auto current = snapshot();
  for (const auto& t : current->targets) {
    if (t->address() == target) {
      return Error::conflict(name_ + " already has target " + t->name() +
                             (t->draining() ? " (draining)" : ""));
    }
  }
  auto added = std::make_shared<Target>(std::move(target));
  auto members = current->targets;
  members.push_back(added);
  publish(std::move(members));
  return added;
}

Result<TargetPtr> TargetGroup::drain(const http_client::Target& target) {
  std::lock_guard lock(change_mutex_);
  for (const auto& t : snapshot()->targets) {
    if (t->address() == target) {
      t->start_draining();
      return t;
    }
  }
  return Error::not_found(name_ + " has no target " + target.to_string());
}

std::vector<TargetPtr> TargetGroup::collect_drained() {
  std::lock_guard lock(change_mutex_);
  auto current = snapshot();
  std::vector<TargetPtr> kept;
  std::vector<TargetPtr> gone;
  for (const auto& t : current->targets) {
    (t->draining() && t->outstanding() == 0 ? gone : kept).push_back(t);
  }
  if (!gone.empty()) publish(std::move(kept));
  return gone;
}

TargetPtr TargetGroup::pick(const std::vector<const Target*>& tried, Clock::time_point now,
                            const std::function<bool(const Target&)>& blocked) {
  const auto current = snapshot();
  const auto& targets = current->targets;
  const std::size_t n = targets.size();
  if (n == 0) return nullptr;
  std::size_t members = 0;
  std::size_t in_rotation = 0;
  for (const auto& t : targets) {
    if (t->draining()) continue;
    ++members;
    if (t->available(now)) ++in_rotation;
  }
  const bool panic =
      options_.panic_threshold > 0 && members > 0 &&
      static_cast<double>(in_rotation) < options_.panic_threshold * static_cast<double>(members);
  const std::size_t start = cursor_.fetch_add(1, std::memory_order_relaxed);
  Target* best = nullptr;
  std::size_t best_index = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t index = (start + i) % n;
    Target* t = targets[index].get();
    if (t->draining() || (!panic && !t->available(now))) continue;
    if (std::find(tried.begin(), tried.end(), t) != tried.end()) continue;
    if (blocked && blocked(*t)) continue;
    if (!best || t->outstanding() < best->outstanding()) {
      best = t;
      best_index = index;
    }
  }
  return best ? targets[best_index] : nullptr;
}

}  // namespace cafe::upstream
