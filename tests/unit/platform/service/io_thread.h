// Test helpers for the kit's asynchronous parts: an io_context running on
// a thread of its own (as an I/O thread does), and a gate a coroutine waits
// at until the test opens it (work Asio cannot cancel, like a call on a
// blocking pool).
#pragma once

#include "platform/core/completion.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <mutex>
#include <thread>
#include <vector>

namespace cafe::service::testing {

class IoThread {
 public:
  IoThread() : guard_(boost::asio::make_work_guard(context_)), thread_([this] { context_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    context_.stop();
    thread_.join();
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::any_io_executor executor() { return context_.get_executor(); }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

class Gate {
 public:
  Gate() = default;
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  ~Gate() { open(); }

  boost::asio::awaitable<void> wait() {
    auto arrive = [this](CompletionPtr<bool> done) {
      {
        std::lock_guard lock(mutex_);
        if (!opened_) {
          waiters_.push_back(std::move(done));
          return;
        }
      }
      done->complete(true);
    };
    co_await submit_and_wait<bool>(std::move(arrive));
  }

  void open() {
    std::vector<CompletionPtr<bool>> waiters;
    {
      std::lock_guard lock(mutex_);
      opened_ = true;
      waiters.swap(waiters_);
    }
    for (auto& waiter : waiters) waiter->complete(true);
  }

 private:
  mutable std::mutex mutex_;
  bool opened_ = false;
  std::vector<CompletionPtr<bool>> waiters_;
};

}  // namespace cafe::service::testing
