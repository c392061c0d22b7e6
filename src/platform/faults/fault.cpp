#include "platform/faults/fault.h"

#include <algorithm>

namespace cafe::faults {

std::string_view to_string(Kind k) noexcept {
  switch (k) {
    case Kind::kLatency:
      return "latency";
    case Kind::kError:
      return "error";
    case Kind::kTimeout:
      return "timeout";
    case Kind::kThrottle:
      return "throttle";
  }
  return "latency";
}

std::optional<Kind> kind_from_string(std::string_view s) noexcept {
  if (s == "latency") return Kind::kLatency;
  if (s == "error") return Kind::kError;
  if (s == "timeout") return Kind::kTimeout;
  if (s == "throttle") return Kind::kThrottle;
  return std::nullopt;
}

void Registry::shut_down() {
  shutting_down_.store(true);
  clear();
}

Result<Fault> Registry::add(Fault fault, Clock::time_point now) {
  if (shutting_down()) return Error::unavailable("the service is shutting down");
  if (fault.expires_at <= now) return Error::invalid("the fault has already expired");
  if (fault.expires_at - now > kMaxFaultDuration) return Error::invalid("a fault may last at most 3600 s");
  std::lock_guard lock(mutex_);
  expire(now);
  if (faults_.size() >= kMaxFaults) {
    return Error::make(ErrorCode::kResourceExhausted,
                       "at most " + std::to_string(kMaxFaults) + " faults may be active at once");
  }
  fault.id = "f" + std::to_string(next_id_++);
  faults_.push_back(fault);
  live_.store(faults_.size());
  return fault;
}

bool Registry::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto before = faults_.size();
  std::erase_if(faults_, [&](const Fault& f) { return f.id == id; });
  live_.store(faults_.size());
  return faults_.size() != before;
}

void Registry::clear() {
  std::lock_guard lock(mutex_);
  faults_.clear();
  live_.store(0);
}

std::vector<Fault> Registry::list(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  expire(now);
  return faults_;
}

bool Registry::empty() const noexcept {
  return live_.load(std::memory_order_relaxed) == 0;
}

void Registry::expire(Clock::time_point now) {
  std::erase_if(faults_, [&](const Fault& f) { return f.expires_at <= now; });
  live_.store(faults_.size());
}

std::optional<Action> Registry::decide(std::string_view target, Clock::time_point now) {
  if (empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  expire(now);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  for (const auto& f : faults_) {
    const bool applies = f.target == target || (f.target == "route:*" && target.starts_with("route:"));
    if (!applies) continue;
    if (f.probability < 1.0 && coin(rng_) >= f.probability) continue;
    return Action{f.kind, f.latency, f.status, f.id};
  }
  return std::nullopt;
}

}  // namespace cafe::faults
