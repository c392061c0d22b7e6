// A type-erased, move-only completion handler for async_initiate: the Redis
// connection keeps one per pending command, the coalescing loader one per
// waiter. std::function cannot hold move-only handlers, hence the small
// virtual class.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace cafe::cache::internal {

template <class T>
class Completion {
 public:
  virtual ~Completion() = default;
  // Resumes the waiter on its own executor, never inline: the caller may hold
  // a lock or be walking a queue the waiter would touch. Call at most once.
  virtual void post(T value) = 0;
};

template <class T>
using CompletionPtr = std::unique_ptr<Completion<T>>;

template <class T, class Handler>
class CompletionImpl final : public Completion<T> {
 public:
  explicit CompletionImpl(Handler handler)
      : handler_(std::move(handler)),
        work_(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler_))) {}

  void post(T value) override {
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
  return std::make_unique<CompletionImpl<T, std::decay_t<Handler>>>(std::forward<Handler>(handler));
}

}  // namespace cafe::cache::internal
