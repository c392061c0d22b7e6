// A timed wait that another thread can cut short: the relay sleeps until
// its next poll unless a service's commit calls notify() first, so an
// event's latency is not the poll interval. A notify() that comes while
// nobody waits is remembered, so the next wait returns at once (no lost
// wake-ups); several notify() calls before a wait count as one.
//
// One coroutine waits at a time, on an executor that runs one handler at a
// time (an io_context per thread, DESIGN §4). notify() is thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <mutex>

namespace cafe::bus::internal {

class Wakeup {
 public:
  Wakeup();

  void notify();

  // Returns after `timeout`, at a notify(), or when the waiting coroutine is
  // or was cancelled (as a return, when the coroutine has turned
  // this_coro::throw_if_cancelled off; else Asio throws operation_aborted).
  // True when woken by notify().
  boost::asio::awaitable<bool> wait(std::chrono::milliseconds timeout);

 private:
  struct State {
    std::mutex mutex;
    bool notified = false;                         // guarded by mutex
    boost::asio::steady_timer* waiting = nullptr;  // guarded by mutex; on `executor`
    boost::asio::any_io_executor executor;         // guarded by mutex
  };
  // Shared with handlers notify() posts, which may run after a wait ended.
  std::shared_ptr<State> state_;
};

}  // namespace cafe::bus::internal
