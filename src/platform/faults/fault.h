// Faults injected on purpose (DESIGN §6): latency, errors, timeouts
// (blackholes) and throttling on a route or on a dependency. Every fault has
// an expiry, so nothing stays broken after an experiment ends or crashes.
// The rules here are pure: the registry decides, callers act.
#pragma once

#include "platform/core/error.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::faults {

enum class Kind : std::uint8_t { kLatency, kError, kTimeout, kThrottle };

std::string_view to_string(Kind k) noexcept;
std::optional<Kind> kind_from_string(std::string_view s) noexcept;

struct Fault {
  std::string id;
  Kind kind = Kind::kLatency;
  // What it applies to: "route:<template>" (e.g. "route:/api/menu"),
  // "route:*" for every non-admin route, or "dependency:<name>" ("store",
  // "cache", a service name).
  std::string target;
  double probability = 1.0;              // 0 < p <= 1
  std::chrono::milliseconds latency{0};  // kLatency: added delay; kTimeout: how long to hold
  int status = 503;                      // kError: the status to answer
  std::chrono::system_clock::time_point expires_at;
};

// What a caller should do for one request or call.
struct Action {
  Kind kind;
  std::chrono::milliseconds latency{0};
  int status = 503;
  std::string fault_id;
};

inline constexpr std::size_t kMaxFaults = 64;
inline constexpr std::chrono::seconds kMaxFaultDuration{3600};

class Registry {
 public:
  using Clock = std::chrono::system_clock;

  // The seed drives probabilistic faults, so an experiment replays by seed
  // (STYLE.md: randomness is injected).
  Registry() : Registry(std::random_device{}()) {}
  explicit Registry(std::uint64_t seed) : rng_(seed) {}

  // Adds a fault; assigns its id. Refuses more than kMaxFaults live faults.
  Result<Fault> add(Fault fault, Clock::time_point now);
  bool remove(std::string_view id);
  void clear();
  std::vector<Fault> list(Clock::time_point now);

  // The action for `target` now, if any live fault fires (faults are
  // checked in the order they were added; the first that fires wins).
  std::optional<Action> decide(std::string_view target, Clock::time_point now);

  // Cheap check for the hot path: false when no fault is live.
  bool empty() const noexcept;

  // A graceful shutdown began: clears every fault, refuses new ones, and
  // tells waits in progress (see sleep_unless_shut_down) to end early, so an
  // injected delay never holds a shutdown.
  void shut_down();
  bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_relaxed); }

 private:
  void expire(Clock::time_point now);  // requires mutex_

  mutable std::mutex mutex_;
  std::vector<Fault> faults_;  // guarded by mutex_
  std::mt19937_64 rng_;        // guarded by mutex_
  std::uint64_t next_id_ = 1;  // guarded by mutex_
  std::atomic<std::size_t> live_{0};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace cafe::faults
