// A bounded pool of threads for work that blocks (SQLite, synchronous libpq,
// file I/O), so that nothing blocks an I/O thread (DESIGN §4). Both the
// thread count and the queue are bounded: when the queue is full, work is
// refused at once and the caller answers "unavailable" instead of queueing
// without limit.
#pragma once

#include "platform/core/error.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
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

template <class Fn, class Handler>
class AwaitableJob final : public BlockingJob {
 public:
  using T = std::invoke_result_t<Fn&>;
  AwaitableJob(Fn fn, Handler handler)
      : fn_(std::move(fn)),
        handler_(std::move(handler)),
        work_(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler_))) {}

  void run() override { complete(T(fn_())); }
  void refuse(Error why) override { complete(T(std::move(why))); }

 private:
  void complete(T value) {
    auto ex = work_.get_executor();
    boost::asio::post(ex, [h = std::move(handler_), v = std::move(value)]() mutable { std::move(h)(std::move(v)); });
    work_.reset();
  }

  Fn fn_;
  Handler handler_;
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler>> work_;
};

}  // namespace internal

// Runs `fn` (returning a Result<...>) on the pool and resumes the calling
// coroutine on its own executor with the value. A refused job resumes with
// kUnavailable. `fn` must not capture references into the coroutine frame
// that it outlives: the frame stays suspended until it completes.
template <class Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> run_blocking(BlockingPool& pool, Fn fn) {
  using T = std::invoke_result_t<Fn&>;
  static_assert(std::is_constructible_v<T, Error>, "run_blocking needs a Result<...> return type");
  auto initiate = [&pool](auto handler, Fn f) {
    using Job = internal::AwaitableJob<Fn, decltype(handler)>;
    pool.submit(std::make_unique<Job>(std::move(f), std::move(handler)));
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      initiate, boost::asio::use_awaitable, std::move(fn));
}

}  // namespace cafe
