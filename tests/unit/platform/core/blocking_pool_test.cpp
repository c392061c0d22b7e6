#include "platform/core/blocking_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <future>
#include <latch>
#include <optional>
#include <thread>

namespace cafe {
namespace {

namespace asio = boost::asio;

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

}  // namespace
}  // namespace cafe
