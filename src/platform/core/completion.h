// Hands a coroutine's continuation to another thread or to a later event:
// whoever holds the Completion calls complete() once, from any thread, and
// the coroutine resumes on its own executor — never inline, since the
// caller may hold a lock or be walking a queue the waiter would touch.
// Used by the blocking pool, the SQLite writer's grouped commits, Redis
// replies and coalesced cache loads.
//
// submit_and_wait_until() adds a deadline: a waiter whose work is still
// queued at its deadline is answered then (the work is dropped unrun, see
// Completion::start); work already running is waited for, so that nothing
// it touches is freed under it — the worker bounds its own waits. The
// waiter's executor must run one handler at a time (an io_context per
// thread, DESIGN §4, or a strand): the deadline timer lives there.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace cafe {

template <class T>
class Completion {
 public:
  virtual ~Completion() = default;
  // Called by a worker just before it runs the work. False when the waiter
  // has already been answered (its deadline passed while the work was
  // queued): the worker then drops the work without running it, and a
  // later complete() does nothing.
  virtual bool start() { return true; }
  // Must be called exactly once (after start() returned true, or instead of
  // it to refuse the work); destroying an uncompleted Completion drops the
  // waiting coroutine unless it has a deadline.
  virtual void complete(T value) = 0;
};

template <class T>
using CompletionPtr = std::unique_ptr<Completion<T>>;

template <class T, class Handler>
class HandlerCompletion final : public Completion<T> {
 public:
  explicit HandlerCompletion(Handler handler)
      : handler_(std::move(handler)),
        work_(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler_))) {}

  void complete(T value) override {
    auto ex = work_.get_executor();
    boost::asio::post(
        ex, [h = std::move(handler_), v = std::move(value)]() mutable { std::move(h)(std::move(v)); });
    work_.reset();
  }

 private:
  Handler handler_;
  // Keeps the waiter's io_context running while nothing else is pending on it.
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler>> work_;
};

template <class T, class Handler>
CompletionPtr<T> make_completion(Handler&& handler) {
  return std::make_unique<HandlerCompletion<T, std::decay_t<Handler>>>(std::forward<Handler>(handler));
}

// Calls `submit(CompletionPtr<T>)` and suspends until the completion is
// completed. `submit` takes ownership and completes it exactly once
// (possibly at once, to refuse).
template <class T, class Submit>
boost::asio::awaitable<T> submit_and_wait(Submit submit) {
  auto initiate = [](auto handler, Submit&& s) { s(make_completion<T>(std::move(handler))); };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      initiate, boost::asio::use_awaitable, std::move(submit));
}

namespace internal {

// Who answers a waiter with a deadline: the worker (with the work's result,
// or with `expired` when it finds the deadline passed before starting) or
// the timer on the waiter's executor (with `expired`, only while the work
// is still queued). The first to move the phase to kAnswered delivers.
template <class T, class Handler>
class DeadlineRace final : public std::enable_shared_from_this<DeadlineRace<T, Handler>> {
 public:
  DeadlineRace(Handler handler, Deadline deadline, Error expired)
      : handler_(std::move(handler)),
        work_(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler_))),
        deadline_(deadline),
        expired_(std::move(expired)) {}

  // On the waiter's thread, before the work is submitted.
  void arm() {
    timer_.emplace(work_.get_executor(), deadline_.at());
    timer_->async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->on_deadline();
    });
  }

  bool start() {
    if (deadline_.expired()) {
      if (claim(kQueued)) deliver(T(expired_));
      return false;
    }
    return move_phase(kQueued, kRunning);
  }

  void complete(T value) {
    if (phase_.exchange(kAnswered) != kAnswered) deliver(std::move(value));
  }

  bool answered() const noexcept { return phase_.load() == kAnswered; }

 private:
  enum : int { kQueued, kRunning, kAnswered };

  bool move_phase(int from, int to) { return phase_.compare_exchange_strong(from, to); }
  bool claim(int from) { return move_phase(from, kAnswered); }

  // The timer fired, on the waiter's executor.
  void on_deadline() {
    // The timer is destroyed on its own executor's thread, never by a worker
    // that may outlive the io_context.
    timer_.reset();
    if (!claim(kQueued)) return;  // running (the worker answers) or answered
    auto handler = std::move(handler_);
    work_.reset();
    std::move(handler)(T(expired_));
  }

  // From a worker thread: resume the waiter on its executor.
  void deliver(T value) {
    auto ex = work_.get_executor();
    boost::asio::post(ex, [self = this->shared_from_this(), v = std::move(value)]() mutable {
      if (self->timer_) {
        self->timer_->cancel();
        self->timer_.reset();
      }
      std::move(self->handler_)(std::move(v));
    });
    work_.reset();
  }

  Handler handler_;
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler>> work_;
  std::optional<boost::asio::steady_timer> timer_;  // touched only on the waiter's executor
  const Deadline deadline_;
  const Error expired_;
  std::atomic<int> phase_{kQueued};
};

template <class T, class Handler>
class RaceCompletion final : public Completion<T> {
 public:
  explicit RaceCompletion(std::shared_ptr<DeadlineRace<T, Handler>> race) : race_(std::move(race)) {}
  // Dropped without an answer while running: answer rather than leave the
  // waiter suspended (a no-op when already answered).
  ~RaceCompletion() override {
    if (!race_->answered()) race_->complete(T(Error::internal("the work was dropped without an answer")));
  }

  bool start() override { return race_->start(); }
  void complete(T value) override { race_->complete(std::move(value)); }

 private:
  std::shared_ptr<DeadlineRace<T, Handler>> race_;
};

}  // namespace internal

// submit_and_wait() with a deadline. A deadline already passed is answered
// with `expired` without calling `submit`. Otherwise the waiter resumes
// with `expired` at the deadline if the worker has not called start() by
// then; once start() has returned true, it resumes with the work's result
// whenever that comes, so the worker must bound the work by the deadline.
template <class T, class Submit>
boost::asio::awaitable<T> submit_and_wait_until(Submit submit, Deadline deadline, Error expired) {
  static_assert(std::is_constructible_v<T, Error>, "submit_and_wait_until needs a Result<...> type");
  auto initiate = [](auto handler, Submit&& s, Deadline d, Error e) {
    using Handler = decltype(handler);
    if (d.expired()) {
      auto ex = boost::asio::get_associated_executor(handler);
      boost::asio::post(ex, [h = std::move(handler), e = std::move(e)]() mutable { std::move(h)(T(e)); });
      return;
    }
    auto race = std::make_shared<internal::DeadlineRace<T, Handler>>(std::move(handler), d, std::move(e));
    race->arm();
    s(std::make_unique<internal::RaceCompletion<T, Handler>>(std::move(race)));
  };
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      initiate, boost::asio::use_awaitable, std::move(submit), deadline, std::move(expired));
}

}  // namespace cafe
