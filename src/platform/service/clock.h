// The clock a service reads the time from. Injected through the service
// context so a test or a replayed experiment can set the time (STYLE.md:
// no real clock in tests); production uses the system's.
#pragma once

#include <chrono>

namespace cafe::service {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that leave the process.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for durations and deadlines.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

// The process's real clocks. Lives for the whole program.
const Clock& system_clock();

}  // namespace cafe::service
