// A service's background work, through one helper instead of hand-written
// loops: every task has a name, a failure is logged with it, cancellation
// reaches every task, and stopping waits until each one has ended.
//
//   tasks.every(executor, "menu-refresher", 500ms, [&]() -> awaitable<void> { co_await refresh(); });
//   ...
//   tasks.stop(Deadline::after(5s));   // at shutdown: cancel, then wait
//
// Cancellation is Asio's: cancel() emits terminal cancellation to each task
// on its own executor. The Asio operation a task is waiting on (a timer, a
// socket) ends with operation_aborted, and every later co_await in that
// task throws it, so a task needs no stop flag of its own to end. Work that
// Asio cannot cancel (a call on a blocking pool) finishes first; a task
// waiting on something that never finishes is reported by stop().
// Threads that are not coroutines (a stress run) watch stopping().
//
// Thread-safe. stop() must not be called from a thread that runs one of
// the group's tasks (it would wait on itself).
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cafe::service {

class TaskGroup {
 public:
  using Body = std::function<boost::asio::awaitable<void>()>;

  struct Options {
    std::size_t max_tasks = 64;  // spawn() refuses beyond this
  };

  TaskGroup() : TaskGroup(Options{}) {}
  explicit TaskGroup(Options options);
  // Cancels what still runs; does not wait (call stop() first).
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Runs `body` on `executor` as the task `name`. An exception that ends it
  // is logged ("coroutine_failed", with the name) unless the group was
  // cancelling. kUnavailable once cancel() was called; kResourceExhausted
  // past max_tasks. `body` is kept alive until the task ends.
  Result<void> spawn(const boost::asio::any_io_executor& executor, std::string name, Body body);

  // A task that waits `interval`, runs `tick`, and repeats until cancelled.
  // The first tick runs one interval after the spawn.
  Result<void> every(const boost::asio::any_io_executor& executor, std::string name,
                     std::chrono::milliseconds interval, Body tick);

  // Begins cancellation of every task; refuses new ones. Idempotent.
  void cancel();
  bool stopping() const noexcept;

  // cancel(), then waits until every task has ended. kDeadlineExceeded at
  // `deadline`, naming the tasks still running.
  Result<void> stop(Deadline deadline);
  // cancel(), then suspends until every task has ended.
  boost::asio::awaitable<void> stop_async();

  // Names of the tasks still running, in spawn order.
  std::vector<std::string> running() const;
  std::size_t size() const;

 private:
  struct State;
  struct Task;
  std::shared_ptr<State> state_;
};

}  // namespace cafe::service
