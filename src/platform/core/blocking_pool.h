// A bounded pool of threads for work that blocks (SQLite, synchronous libpq,
// file I/O), so that nothing blocks an I/O thread (DESIGN §4). Both the
// thread count and the queue are bounded: when the queue is full, work is
// refused at once and the caller answers "unavailable" instead of queueing
// without limit.
#pragma once

#include "platform/core/completion.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <boost/asio/awaitable.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace cafe {

// One unit of blocking work. `run` executes it on a pool thread; `refuse`
// completes it without running (queue full or pool stopped). Exactly one of
// the two is called, once.
class BlockingJob {
 public:
  virtual ~BlockingJob() = default;
  virtual void run() = 0;
  virtual void refuse(Error why) = 0;
};

class BlockingPool {
 public:
  struct Options {
    std::string name = "blocking";
    int threads = 2;
    std::size_t queue_limit = 1024;
  };

  explicit BlockingPool(Options options);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues the job, or refuses it (kUnavailable) when the queue is full or
  // the pool has stopped.
  void submit(std::unique_ptr<BlockingJob> job);

  // Refuses queued jobs, lets running ones finish, joins the threads.
  void stop();

  std::size_t queued() const;
  const Options& options() const noexcept { return options_; }

 private:
  void worker_loop();

  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<BlockingJob>> queue_;  // guarded by mutex_
  bool stopping_ = false;                           // guarded by mutex_
  std::vector<std::thread> threads_;
};

namespace internal {

// Runs `fn`; an exception becomes kInternal, so that a bug in one job
// neither terminates the process nor leaves its caller suspended.
template <class Fn>
std::invoke_result_t<Fn&> invoke_contained(Fn& fn) {
  using T = std::invoke_result_t<Fn&>;
  try {
    return fn();
  } catch (const std::exception& e) {
    return T(Error::internal(std::string("a blocking job threw: ") + e.what()));
  } catch (...) {
    return T(Error::internal("a blocking job threw a non-standard exception"));
  }
}

template <class Fn>
class AwaitableJob final : public BlockingJob {
 public:
  using T = std::invoke_result_t<Fn&>;
  AwaitableJob(Fn fn, CompletionPtr<T> done) : fn_(std::move(fn)), done_(std::move(done)) {}

  void run() override {
    if (!done_->start()) return;  // the caller gave up while this waited in the queue
    done_->complete(invoke_contained(fn_));
  }
  void refuse(Error why) override { done_->complete(T(std::move(why))); }

 private:
  Fn fn_;
  CompletionPtr<T> done_;
};

inline Error deadline_passed_in_queue() {
  return Error::make(ErrorCode::kDeadlineExceeded, "the deadline passed before the work started");
}

}  // namespace internal

// Runs `fn` (returning a Result<...>) on the pool and resumes the calling
// coroutine on its own executor with the value. A refused job resumes with
// kUnavailable; a job that throws resumes with kInternal. `fn` must not
// capture references into the coroutine frame that it outlives: the frame
// stays suspended until it completes.
template <class Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> run_blocking(BlockingPool& pool, Fn fn) {
  using T = std::invoke_result_t<Fn&>;
  static_assert(std::is_constructible_v<T, Error>, "run_blocking needs a Result<...> return type");
  auto submit = [&pool, fn = std::move(fn)](CompletionPtr<T> done) mutable {
    pool.submit(std::make_unique<internal::AwaitableJob<Fn>>(std::move(fn), std::move(done)));
  };
  co_return co_await submit_and_wait<T>(std::move(submit));
}

// run_blocking() for a caller with a deadline: if no pool thread has taken
// the job by then, the caller resumes with `expired` at the deadline and the
// job is dropped unrun. A job already running is waited for: `fn` must
// bound its own waits by the deadline.
template <class Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> run_blocking(
    BlockingPool& pool, Fn fn, Deadline deadline, Error expired = internal::deadline_passed_in_queue()) {
  using T = std::invoke_result_t<Fn&>;
  static_assert(std::is_constructible_v<T, Error>, "run_blocking needs a Result<...> return type");
  auto submit = [&pool, fn = std::move(fn)](CompletionPtr<T> done) mutable {
    pool.submit(std::make_unique<internal::AwaitableJob<Fn>>(std::move(fn), std::move(done)));
  };
  co_return co_await submit_and_wait_until<T>(std::move(submit), deadline, std::move(expired));
}

}  // namespace cafe
