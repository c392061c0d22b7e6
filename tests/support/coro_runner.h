// Runs coroutines to completion from a test's thread on an I/O thread of
// its own, as a service's I/O thread would run them:
//   CoroRunner run;
//   auto sent = run([&]() -> asio::awaitable<Result<void>> { co_return co_await bus.send(...); });
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

namespace cafe::test {

class CoroRunner {
 public:
  CoroRunner() : work_(boost::asio::make_work_guard(ctx_)), thread_([this] { ctx_.run(); }) {}
  ~CoroRunner() {
    work_.reset();
    ctx_.stop();
    thread_.join();
  }
  CoroRunner(const CoroRunner&) = delete;
  CoroRunner& operator=(const CoroRunner&) = delete;

  // Blocks until the coroutine `make()` returns has finished; its value.
  template <class Make>
  auto operator()(Make make) {
    return boost::asio::co_spawn(ctx_, std::move(make), boost::asio::use_future).get();
  }

  boost::asio::io_context& context() { return ctx_; }

 private:
  boost::asio::io_context ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

}  // namespace cafe::test
