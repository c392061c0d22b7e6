// A point in time by which a piece of work must be done: the budget a
// request carries from the gateway down to every store and service call it
// makes (DESIGN §5). A value type on the steady clock; "no deadline" is not
// representable on purpose: every call gets one, a default when the caller
// has none.
#pragma once

#include <algorithm>
#include <chrono>

namespace cafe {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  constexpr explicit Deadline(Clock::time_point at) noexcept : at_(at) {}

  static Deadline after(Clock::duration budget, Clock::time_point now = Clock::now()) noexcept {
    return Deadline(now + budget);
  }

  Clock::time_point at() const noexcept { return at_; }
  bool expired(Clock::time_point now = Clock::now()) const noexcept { return now >= at_; }

  // What is left, never negative.
  std::chrono::milliseconds remaining(Clock::time_point now = Clock::now()) const noexcept {
    if (now >= at_) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(at_ - now);
  }

  // The earlier of this deadline and `now + cap`: a call never gets more
  // than it was given, nor more than its own limit.
  Deadline capped(Clock::duration cap, Clock::time_point now = Clock::now()) const noexcept {
    return Deadline(std::min(at_, now + cap));
  }

  friend bool operator==(const Deadline&, const Deadline&) = default;
  friend auto operator<=>(const Deadline&, const Deadline&) = default;

 private:
  Clock::time_point at_;
};

}  // namespace cafe
