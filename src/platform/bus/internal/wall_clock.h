// Time from the service's clock, or the system's when a component was given
// none. Rows are stamped with wall-clock milliseconds because replicas on
// other hosts compare them (lease expiry, sent and received times).
#pragma once

#include "platform/service/clock.h"

#include <chrono>
#include <cstdint>

namespace cafe::bus::internal {

inline std::chrono::system_clock::time_point wall_now(const service::Clock* clock) {
  return clock != nullptr ? clock->now() : std::chrono::system_clock::now();
}

inline std::int64_t to_unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline std::int64_t wall_now_ms(const service::Clock* clock) {
  return to_unix_ms(wall_now(clock));
}

// Monotonic time from the same clock, for local durations.
inline std::chrono::steady_clock::time_point steady_now(const service::Clock* clock) {
  return clock != nullptr ? clock->steady_now() : std::chrono::steady_clock::now();
}

}  // namespace cafe::bus::internal
