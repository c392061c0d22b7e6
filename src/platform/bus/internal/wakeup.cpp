#include "platform/bus/internal/wakeup.h"

#include "platform/bus/internal/cancellation.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cafe::bus::internal {

namespace asio = boost::asio;

Wakeup::Wakeup() : state_(std::make_shared<State>()) {}

void Wakeup::notify() {
  std::lock_guard lock(state_->mutex);
  state_->notified = true;
  if (state_->waiting == nullptr) return;
  // The timer belongs to the waiter's executor: cancel it there. If the wait
  // has ended by then, `waiting` is null (or a later wait's timer, which a
  // spurious early wake-up only costs one extra round).
  asio::post(state_->executor, [state = state_] {
    std::lock_guard lock(state->mutex);
    if (state->waiting != nullptr) state->waiting->cancel();
  });
}

asio::awaitable<bool> Wakeup::wait(std::chrono::milliseconds timeout) {
  // A cancellation emitted before the timer existed would not reach it.
  if (co_await cancelled()) co_return false;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, timeout);
  {
    std::lock_guard lock(state_->mutex);
    if (state_->notified) {
      state_->notified = false;
      co_return true;
    }
    state_->waiting = &timer;
    state_->executor = executor;
  }
  auto waited = timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_await std::move(waited);
  std::lock_guard lock(state_->mutex);
  state_->waiting = nullptr;
  const bool woken = state_->notified;
  state_->notified = false;
  co_return woken;
}

}  // namespace cafe::bus::internal
