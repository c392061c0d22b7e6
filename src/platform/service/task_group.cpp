#include "platform/service/task_group.h"

#include "platform/core/completion.h"
#include "platform/telemetry/log.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>

namespace cafe::service {

namespace asio = boost::asio;

struct TaskGroup::Task {
  std::uint64_t id = 0;
  std::string name;
  asio::any_io_executor executor;
  // Touched only on `executor`: the slot is armed there and emitted there.
  asio::cancellation_signal signal;
  Body body;
};

struct TaskGroup::State {
  Options options;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::condition_variable idle;
  std::map<std::uint64_t, std::shared_ptr<Task>> tasks;  // guarded by mutex; key order = spawn order
  std::vector<CompletionPtr<bool>> waiters;              // guarded by mutex
  std::uint64_t next_id = 1;                             // guarded by mutex

  void finished(std::uint64_t id) {
    std::vector<CompletionPtr<bool>> wake;
    {
      std::lock_guard lock(mutex);
      tasks.erase(id);
      if (tasks.empty()) {
        wake.swap(waiters);
        idle.notify_all();
      }
    }
    for (auto& waiter : wake) waiter->complete(true);
  }
};

namespace {

bool is_cancellation(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& error) {
    return error.code() == asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

// Holds the task (and with it the cancellation signal the coroutine's state
// lives in) until the coroutine's frame is gone.
template <class TaskPtr>
asio::awaitable<void> run_body(TaskPtr task) {
  co_await task->body();
}

asio::awaitable<void> every_loop(std::chrono::milliseconds interval, TaskGroup::Body tick) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(interval);
    // Cancellation ends this wait (or the next co_await in `tick`) with
    // operation_aborted, which ends the loop.
    co_await timer.async_wait(asio::use_awaitable);
    co_await tick();
  }
}

}  // namespace

TaskGroup::TaskGroup(Options options) : state_(std::make_shared<State>()) {
  state_->options = options;
}

TaskGroup::~TaskGroup() {
  cancel();
}

Result<void> TaskGroup::spawn(const asio::any_io_executor& executor, std::string name, Body body) {
  auto task = std::make_shared<Task>();
  task->name = std::move(name);
  task->executor = executor;
  task->body = std::move(body);
  std::lock_guard lock(state_->mutex);
  if (state_->stopping) return Error::unavailable("shutting down: task " + task->name + " was not started");
  if (state_->tasks.size() >= state_->options.max_tasks) {
    return Error::make(ErrorCode::kResourceExhausted, "task group is full (" +
                                                          std::to_string(state_->options.max_tasks) +
                                                          " tasks); " + task->name + " was not started");
  }
  task->id = state_->next_id++;
  state_->tasks.emplace(task->id, task);
  // The spawn is posted under the mutex, so on the task's executor it runs
  // before any cancellation cancel() posts after it: the slot is armed
  // before it is emitted. (post() never runs the handler inline.)
  asio::post(executor, [state = state_, task] {
    auto done = [state, task](const std::exception_ptr& e) {
      if (e) {
        if (state->stopping && is_cancellation(e)) {
          telemetry::log(telemetry::Level::kDebug, "task_cancelled",
                         {{"task", std::string_view(task->name)}});
        } else {
          telemetry::log_coroutine_exit(task->name, e);
        }
      }
      state->finished(task->id);
    };
    asio::co_spawn(task->executor, run_body(task),
                   asio::bind_cancellation_slot(task->signal.slot(), std::move(done)));
  });
  return {};
}

Result<void> TaskGroup::every(const asio::any_io_executor& executor, std::string name,
                              std::chrono::milliseconds interval, Body tick) {
  Body loop = [interval, tick = std::move(tick)]() { return every_loop(interval, tick); };
  return spawn(executor, std::move(name), std::move(loop));
}

void TaskGroup::cancel() {
  std::lock_guard lock(state_->mutex);
  if (state_->stopping.exchange(true)) return;
  for (auto& [id, task] : state_->tasks) {
    asio::post(task->executor, [task] { task->signal.emit(asio::cancellation_type::terminal); });
  }
}

bool TaskGroup::stopping() const noexcept {
  return state_->stopping.load();
}

Result<void> TaskGroup::stop(Deadline deadline) {
  cancel();
  std::unique_lock lock(state_->mutex);
  if (state_->idle.wait_until(lock, deadline.at(), [&] { return state_->tasks.empty(); })) return {};
  std::string names;
  for (const auto& [id, task] : state_->tasks) names += (names.empty() ? "" : ", ") + task->name;
  return Error::make(ErrorCode::kDeadlineExceeded, "background tasks still running: " + names);
}

asio::awaitable<void> TaskGroup::stop_async() {
  cancel();
  auto state = state_;
  auto wait = [state](CompletionPtr<bool> done) {
    {
      std::lock_guard lock(state->mutex);
      if (!state->tasks.empty()) {
        state->waiters.push_back(std::move(done));
        return;
      }
    }
    done->complete(true);
  };
  co_await submit_and_wait<bool>(std::move(wait));
}

std::vector<std::string> TaskGroup::running() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> names;
  names.reserve(state_->tasks.size());
  for (const auto& [id, task] : state_->tasks) names.push_back(task->name);
  return names;
}

std::size_t TaskGroup::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->tasks.size();
}

}  // namespace cafe::service
