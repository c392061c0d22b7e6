// For background loops that finish their work when cancelled instead of
// unwinding by an exception: they turn this_coro::throw_if_cancelled off,
// ask cancelled() at the top of each turn, and sleep with
// sleep_unless_cancelled(), which cancellation cuts short.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace cafe::bus::internal {

// True once the coroutine's cancellation slot has been emitted (any type).
boost::asio::awaitable<bool> cancelled();

// Waits `duration`, or less when the coroutine is cancelled (before or
// during the wait); never throws for either.
boost::asio::awaitable<void> sleep_unless_cancelled(std::chrono::milliseconds duration);

}  // namespace cafe::bus::internal
