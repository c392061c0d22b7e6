#include "platform/service/task_group.h"

#include "unit/platform/service/io_thread.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <stdexcept>

namespace cafe::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::Gate;
using testing::IoThread;

// A coroutine that waits on a timer far longer than any test.
asio::awaitable<void> wait_an_hour() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
  co_await timer.async_wait(asio::use_awaitable);
}

// Counts ticks and lets the test wait for a number of them.
class TickCounter {
 public:
  void tick() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  bool wait_for(int n, std::chrono::milliseconds within) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, within, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(TaskGroup, RunsASpawnedTaskOnItsExecutor) {
  IoThread io;
  TaskGroup tasks;
  std::promise<std::thread::id> ran_on;
  ASSERT_TRUE(tasks.spawn(io.executor(), "probe", [&]() -> asio::awaitable<void> {
    ran_on.set_value(std::this_thread::get_id());
    co_return;
  }));
  auto future = ran_on.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get(), io.id());
  EXPECT_TRUE(tasks.stop(Deadline::after(5s)));
}

TEST(TaskGroup, EveryRunsTheTickRepeatedlyAndNeverAfterStopReturns) {
  IoThread io;
  TaskGroup tasks;
  TickCounter ticks;
  ASSERT_TRUE(tasks.every(io.executor(), "ticker", 5ms, [&]() -> asio::awaitable<void> {
    ticks.tick();
    co_return;
  }));
  ASSERT_TRUE(ticks.wait_for(3, 5s));
  ASSERT_TRUE(tasks.stop(Deadline::after(5s)));
  const int after_stop = ticks.count();
  EXPECT_TRUE(tasks.running().empty());
  // The loop has ended: the io_context runs on, and no tick follows.
  std::promise<void> flushed;
  asio::post(io.executor(), [&] { flushed.set_value(); });
  flushed.get_future().wait();
  EXPECT_EQ(ticks.count(), after_stop);
}

TEST(TaskGroup, StopCancelsATaskWaitingOnATimer) {
  IoThread io;
  TaskGroup tasks;
  ASSERT_TRUE(tasks.spawn(io.executor(), "sleeper", wait_an_hour));
  ASSERT_TRUE(
      tasks.spawn(io.executor(), "nested", []() -> asio::awaitable<void> { co_await wait_an_hour(); }));
  const auto began = std::chrono::steady_clock::now();
  auto stopped = tasks.stop(Deadline::after(5s));
  ASSERT_TRUE(stopped) << stopped.error().detail;
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  EXPECT_EQ(tasks.size(), 0u);
}

TEST(TaskGroup, StopReportsTheTasksThatHaveNotEndedByTheDeadline) {
  IoThread io;
  TaskGroup tasks;
  Gate gate;
  ASSERT_TRUE(tasks.spawn(io.executor(), "stuck-on-the-store",
                          [&]() -> asio::awaitable<void> { co_await gate.wait(); }));
  ASSERT_TRUE(tasks.spawn(io.executor(), "sleeper", wait_an_hour));
  auto stopped = tasks.stop(Deadline::after(200ms));
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(stopped.error().detail.find("stuck-on-the-store"), std::string::npos) << stopped.error().detail;
  EXPECT_EQ(stopped.error().detail.find("sleeper"), std::string::npos) << stopped.error().detail;
  EXPECT_EQ(tasks.running(), std::vector<std::string>{"stuck-on-the-store"});
  // Once what it waited on finishes, the cancelled task ends too.
  gate.open();
  EXPECT_TRUE(tasks.stop(Deadline::after(5s)));
}

TEST(TaskGroup, RefusesNewTasksOnceCancelled) {
  IoThread io;
  TaskGroup tasks;
  tasks.cancel();
  EXPECT_TRUE(tasks.stopping());
  auto refused = tasks.spawn(io.executor(), "late", wait_an_hour);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(tasks.size(), 0u);
}

TEST(TaskGroup, RefusesTasksBeyondItsLimit) {
  IoThread io;
  TaskGroup tasks({.max_tasks = 2});
  ASSERT_TRUE(tasks.spawn(io.executor(), "one", wait_an_hour));
  ASSERT_TRUE(tasks.spawn(io.executor(), "two", wait_an_hour));
  auto refused = tasks.spawn(io.executor(), "three", wait_an_hour);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(tasks.stop(Deadline::after(5s)));
}

TEST(TaskGroup, LogsATaskThatFailsByNameAndForgetsIt) {
  IoThread io;
  TaskGroup tasks;
  ::testing::internal::CaptureStderr();  // logging is not started: lines go to stderr
  std::promise<void> thrown;
  ASSERT_TRUE(tasks.spawn(io.executor(), "doomed-loop", [&]() -> asio::awaitable<void> {
    thrown.set_value();
    throw std::runtime_error("the invariant broke");
    co_return;
  }));
  thrown.get_future().wait();
  ASSERT_TRUE(tasks.stop(Deadline::after(5s)));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("coroutine_failed"), std::string::npos) << log;
  EXPECT_NE(log.find("doomed-loop"), std::string::npos) << log;
  EXPECT_NE(log.find("the invariant broke"), std::string::npos) << log;
  EXPECT_EQ(tasks.size(), 0u);
}

TEST(TaskGroup, ACancelledTaskIsNotLoggedAsAFailure) {
  IoThread io;
  TaskGroup tasks;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(tasks.spawn(io.executor(), "sleeper", wait_an_hour));
  ASSERT_TRUE(tasks.stop(Deadline::after(5s)));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.find("coroutine_failed"), std::string::npos) << log;
}

TEST(TaskGroup, StopAsyncResumesOnceEveryTaskHasEnded) {
  // `other` is declared first so it outlives `io`: the task's last step on
  // `io` still touches the executor of the waiter it resumed.
  IoThread other;
  IoThread io;
  TaskGroup tasks;
  Gate gate;
  ASSERT_TRUE(tasks.spawn(io.executor(), "gated", [&]() -> asio::awaitable<void> { co_await gate.wait(); }));
  auto stopped = asio::co_spawn(other.executor(), tasks.stop_async(), asio::use_future);
  EXPECT_EQ(stopped.wait_for(100ms), std::future_status::timeout);
  gate.open();
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  stopped.get();
  EXPECT_EQ(tasks.size(), 0u);
}

}  // namespace
}  // namespace cafe::service
