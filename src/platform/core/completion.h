// Hands a coroutine's continuation to another thread or to a later event:
// whoever holds the Completion calls complete() once, from any thread, and
// the coroutine resumes on its own executor — never inline, since the
// caller may hold a lock or be walking a queue the waiter would touch.
// Used by the blocking pool, the SQLite writer's grouped commits, Redis
// replies and coalesced cache loads.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace cafe {

template <class T>
class Completion {
 public:
  virtual ~Completion() = default;
  // Must be called exactly once; destroying an uncompleted Completion
  // drops the waiting coroutine.
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

}  // namespace cafe
