#include "platform/bus/internal/cancellation.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cafe::bus::internal {

namespace asio = boost::asio;

asio::awaitable<bool> cancelled() {
  const auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

asio::awaitable<void> sleep_unless_cancelled(std::chrono::milliseconds duration) {
  // A cancellation emitted before the timer existed would not reach it.
  if (co_await cancelled()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  auto waited = timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_await std::move(waited);
}

}  // namespace cafe::bus::internal
