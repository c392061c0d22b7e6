#include "platform/core/blocking_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <optional>
#include <stdexcept>
#include <thread>

namespace cafe {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A job for driving the pool directly: runs `fn`, or records its refusal.
class RecordingJob final : public BlockingJob {
 public:
  RecordingJob(std::function<void()> fn, std::optional<Error>& refused, std::latch* on_refuse = nullptr)
      : fn_(std::move(fn)), refused_(refused), on_refuse_(on_refuse) {}
  void run() override { fn_(); }
  void refuse(Error why) override {
    refused_ = std::move(why);
    if (on_refuse_) on_refuse_->count_down();
  }

 private:
  std::function<void()> fn_;
  std::optional<Error>& refused_;
  std::latch* on_refuse_;
};

// Occupies the pool's only thread until release() is called.
class Blocker {
 public:
  explicit Blocker(BlockingPool& pool) {
    auto released = release_.get_future().share();
    pool.submit(std::make_unique<RecordingJob>(
        [this, released] {
          started_.count_down();
          released.wait();
        },
        refused_));
    started_.wait();
  }
  ~Blocker() { release(); }
  // Idempotent, so a test that fails early still lets the pool stop.
  void release() {
    if (!released_) release_.set_value();
    released_ = true;
  }

 private:
  bool released_ = false;
  std::promise<void> release_;
  std::latch started_{1};
  std::optional<Error> refused_;
};

using IntResult = Result<int>;

// Starts run_blocking(fn) on `io` and stores its result when it completes.
template <class Fn>
void spawn_blocking(asio::io_context& io, BlockingPool& pool, Fn fn, std::optional<IntResult>& out) {
  asio::co_spawn(io, run_blocking(pool, std::move(fn)), [&out](std::exception_ptr e, IntResult r) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(r));
  });
}

TEST(RunBlocking, RunsOnAPoolThreadAndResumesOnTheCallersThread) {
  BlockingPool pool({.name = "resume", .threads = 2, .queue_limit = 8});
  asio::io_context io;
  std::thread::id ran_on;
  std::thread::id resumed_on;
  std::optional<IntResult> out;
  auto task = [&]() -> asio::awaitable<void> {
    auto r = co_await run_blocking(pool, [&ran_on]() -> IntResult {
      ran_on = std::this_thread::get_id();
      return 42;
    });
    resumed_on = std::this_thread::get_id();
    out.emplace(std::move(r));
  };
  asio::co_spawn(io, task(), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  ASSERT_TRUE(out && *out);
  EXPECT_EQ(**out, 42);
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

TEST(RunBlocking, PassesErrorsThrough) {
  BlockingPool pool({.name = "errors", .threads = 1, .queue_limit = 8});
  asio::io_context io;
  std::optional<IntResult> out;
  spawn_blocking(io, pool, []() -> IntResult { return Error::conflict("taken"); }, out);
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kConflict);
  EXPECT_EQ(out->error().detail, "taken");
}

TEST(RunBlocking, FullQueueRefusesAtOnceWithUnavailable) {
  BlockingPool pool({.name = "full", .threads = 1, .queue_limit = 1});
  Blocker blocker(pool);
  std::optional<Error> second_refused;
  std::latch second_ran(1);
  pool.submit(std::make_unique<RecordingJob>([&] { second_ran.count_down(); }, second_refused));
  EXPECT_EQ(pool.queued(), 1u);

  asio::io_context io;
  std::optional<IntResult> out;
  bool ran = false;
  spawn_blocking(
      io, pool,
      [&ran]() -> IntResult {
        ran = true;
        return 1;
      },
      out);
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(retry_advice(out->error().code), RetryAdvice::kRetryCall);

  // The queued job was kept, not refused: it runs once the thread is free.
  blocker.release();
  second_ran.wait();
  EXPECT_FALSE(ran);
  EXPECT_FALSE(second_refused);
}

TEST(RunBlocking, StopRefusesQueuedJobsAndLetsTheRunningOneFinish) {
  BlockingPool pool({.name = "stop", .threads = 1, .queue_limit = 8});
  Blocker blocker(pool);
  asio::io_context io;
  std::optional<IntResult> out;
  bool ran = false;
  spawn_blocking(
      io, pool,
      [&ran]() -> IntResult {
        ran = true;
        return 1;
      },
      out);
  io.poll();  // runs the coroutine up to its submit
  ASSERT_EQ(pool.queued(), 1u);

  std::optional<Error> direct_refused;
  std::latch refused(1);
  pool.submit(std::make_unique<RecordingJob>([] {}, direct_refused, &refused));

  // stop() refuses the queue, then waits for the running job.
  std::thread stopper([&pool] { pool.stop(); });
  refused.wait();
  io.run();
  blocker.release();
  stopper.join();

  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(ran);
  ASSERT_TRUE(direct_refused);
  EXPECT_EQ(direct_refused->code, ErrorCode::kUnavailable);
}

TEST(RunBlocking, StoppedPoolRefusesNewWork) {
  BlockingPool pool({.name = "stopped", .threads = 1, .queue_limit = 8});
  pool.stop();
  pool.stop();  // idempotent
  asio::io_context io;
  std::optional<IntResult> out;
  spawn_blocking(io, pool, []() -> IntResult { return 1; }, out);
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kUnavailable);
}

TEST(RunBlocking, AJobThatThrowsCompletesWithInternalAndThePoolCarriesOn) {
  BlockingPool pool({.name = "throws", .threads = 1, .queue_limit = 8});
  asio::io_context io;
  std::optional<IntResult> threw_standard;
  std::optional<IntResult> threw_other;
  std::optional<IntResult> after;
  spawn_blocking(io, pool, []() -> IntResult { throw std::runtime_error("bug in a job"); }, threw_standard);
  spawn_blocking(io, pool, []() -> IntResult { throw 42; }, threw_other);
  spawn_blocking(io, pool, []() -> IntResult { return 7; }, after);
  io.run();
  ASSERT_TRUE(threw_standard && threw_other && after);
  ASSERT_FALSE(*threw_standard);
  EXPECT_EQ(threw_standard->error().code, ErrorCode::kInternal);
  ASSERT_FALSE(*threw_other);
  EXPECT_EQ(threw_other->error().code, ErrorCode::kInternal);
  ASSERT_TRUE(*after);
  EXPECT_EQ(**after, 7);
}

template <class Fn>
void spawn_blocking_until(asio::io_context& io, BlockingPool& pool, Fn fn, Deadline deadline,
                          std::optional<IntResult>& out) {
  asio::co_spawn(io, run_blocking(pool, std::move(fn), deadline), [&out](std::exception_ptr e, IntResult r) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(r));
  });
}

TEST(RunBlocking, AQueuedJobIsAnsweredAtItsDeadlineAndNeverRuns) {
  BlockingPool pool({.name = "queued", .threads = 1, .queue_limit = 8});
  Blocker blocker(pool);
  asio::io_context io;
  std::optional<IntResult> out;
  std::atomic<bool> ran{false};
  const auto start = std::chrono::steady_clock::now();
  spawn_blocking_until(
      io, pool,
      [&ran]() -> IntResult {
        ran = true;
        return 1;
      },
      Deadline::after(50ms, start), out);
  io.run();  // returns once the caller is answered, while the pool thread is still blocked
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 2s);
  blocker.release();
  pool.stop();  // the thread has taken the dropped job by now, or stop() refuses it
  EXPECT_FALSE(ran);
}

TEST(RunBlocking, AJobTakenAfterItsDeadlineIsAnsweredWithoutRunning) {
  BlockingPool pool({.name = "late", .threads = 1, .queue_limit = 8});
  Blocker blocker(pool);
  asio::io_context io;
  std::optional<IntResult> out;
  std::atomic<bool> ran{false};
  const auto deadline = Deadline::after(20ms);
  spawn_blocking_until(
      io, pool,
      [&ran]() -> IntResult {
        ran = true;
        return 1;
      },
      deadline, out);
  io.poll();  // submits the job; the io_context then stays idle, so no timer answers
  ASSERT_EQ(pool.queued(), 1u);
  std::this_thread::sleep_until(deadline.at());
  std::optional<Error> marker_refused;
  std::latch marker_ran(1);
  pool.submit(std::make_unique<RecordingJob>([&] { marker_ran.count_down(); }, marker_refused));
  blocker.release();
  marker_ran.wait();  // the pool thread has taken (and dropped) the late job
  EXPECT_FALSE(ran);
  io.run();
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kDeadlineExceeded);
}

TEST(RunBlocking, ARunningJobIsAwaitedPastItsDeadline) {
  BlockingPool pool({.name = "running", .threads = 1, .queue_limit = 8});
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });
  std::promise<void> started;
  std::promise<void> finish;
  auto finish_future = finish.get_future();
  const auto deadline = Deadline::after(20ms);
  auto result = asio::co_spawn(io,
                               run_blocking(
                                   pool,
                                   [&]() -> IntResult {
                                     started.set_value();
                                     finish_future.wait();
                                     return 42;
                                   },
                                   deadline),
                               asio::use_future);
  started.get_future().wait();
  std::this_thread::sleep_until(deadline.at() + 20ms);
  // The job runs on: its caller is not answered under it.
  EXPECT_EQ(result.wait_for(0s), std::future_status::timeout);
  finish.set_value();
  const IntResult r = result.get();
  guard.reset();
  io_thread.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 42);
}

TEST(RunBlocking, AnExpiredDeadlineIsAnsweredWithoutQueueing) {
  BlockingPool pool({.name = "expired", .threads = 1, .queue_limit = 8});
  Blocker blocker(pool);
  asio::io_context io;
  std::optional<IntResult> out;
  spawn_blocking_until(io, pool, []() -> IntResult { return 1; }, Deadline::after(-1ms), out);
  io.run();
  EXPECT_EQ(pool.queued(), 0u);
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, ErrorCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace cafe
