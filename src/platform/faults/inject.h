// Injecting faults into a dependency call (DESIGN §6): the store, the cache
// or another service sits behind an interface, and a forwarding wrapper asks
// the registry before each call. Latency delays the call; an error, a
// throttle or a timeout replaces it with the error the caller would see.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/faults/fault.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cafe::faults {

// Waits out any injected latency, then returns the error to fail the call
// with, if a fault says so. `target` is "dependency:<name>". Latency that
// outlasts the caller's `deadline` ends at it with kDeadlineExceeded, as a
// slow dependency would for a caller that gives up.
boost::asio::awaitable<std::optional<Error>> inject(Registry& registry, std::string target,
                                                    std::optional<Deadline> deadline = std::nullopt);

// inject() for a wrapper's fixed target (a string literal): while no fault is
// live it looks nothing up and builds no string.
boost::asio::awaitable<std::optional<Error>> inject_if_live(Registry& registry, const char* target,
                                                            std::optional<Deadline> deadline = std::nullopt);

// Sleeps for `duration`, or less if the registry shuts down meanwhile
// (checked every 50 ms).
boost::asio::awaitable<void> sleep_unless_shut_down(Registry& registry, std::chrono::milliseconds duration);

}  // namespace cafe::faults
