#include "platform/bus/internal/wakeup.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace cafe::bus::internal {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Waited {
  bool woken = false;
  Clock::duration took{};
};

std::future<Waited> start_wait(asio::io_context& io, Wakeup& wakeup, std::chrono::milliseconds timeout) {
  return asio::co_spawn(
      io,
      [&wakeup, timeout]() -> asio::awaitable<Waited> {
        const auto began = Clock::now();
        const bool woken = co_await wakeup.wait(timeout);
        co_return Waited{woken, Clock::now() - began};
      },
      asio::use_future);
}

TEST(Wakeup, ANotifyBeforeTheWaitIsNotLost) {
  asio::io_context io;
  Wakeup wakeup;
  wakeup.notify();
  auto waited = start_wait(io, wakeup, 60s);
  io.run();
  const Waited w = waited.get();
  EXPECT_TRUE(w.woken);
  EXPECT_LT(w.took, 1s);
}

TEST(Wakeup, ANotifyDuringTheWaitEndsItEarly) {
  asio::io_context io;
  Wakeup wakeup;
  auto waited = start_wait(io, wakeup, 60s);
  // Queued behind the waiter's start, so it runs once the wait has begun.
  asio::post(io, [&] { wakeup.notify(); });
  io.run();
  const Waited w = waited.get();
  EXPECT_TRUE(w.woken);
  EXPECT_LT(w.took, 10s);
}

TEST(Wakeup, NotifiesFromAnotherThreadEndTheWaitEarly) {
  asio::io_context io;
  Wakeup wakeup;
  auto waited = start_wait(io, wakeup, 60s);
  std::thread runner([&] { io.run(); });
  // Until the notify lands during the wait, each one is remembered and the
  // wait returns at once: either way it ends long before its timeout.
  while (waited.wait_for(1ms) != std::future_status::ready) wakeup.notify();
  runner.join();
  const Waited w = waited.get();
  EXPECT_TRUE(w.woken);
  EXPECT_LT(w.took, 10s);
}

TEST(Wakeup, ReturnsAtItsTimeoutWhenNobodyNotifies) {
  asio::io_context io;
  Wakeup wakeup;
  auto waited = start_wait(io, wakeup, 20ms);
  io.run();
  const Waited w = waited.get();
  EXPECT_FALSE(w.woken);
  EXPECT_GE(w.took, 20ms);
}

TEST(Wakeup, SeveralNotifiesBeforeAWaitCountAsOne) {
  asio::io_context io;
  Wakeup wakeup;
  wakeup.notify();
  wakeup.notify();
  auto first = start_wait(io, wakeup, 60s);
  io.run();
  EXPECT_TRUE(first.get().woken);
  io.restart();
  auto second = start_wait(io, wakeup, 20ms);
  io.run();
  EXPECT_FALSE(second.get().woken);
}

}  // namespace
}  // namespace cafe::bus::internal
