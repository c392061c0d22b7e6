// Regression test for DESIGN §9: g++ 12 double-frees temporaries with
// non-trivial destructors inside co_await expressions. Under clang and
// ASan these must run clean; if the toolchain regresses, ASan reports a
// double free or use-after-free here.
#include "platform/core/blocking_pool.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace cafe {
namespace {

namespace asio = boost::asio;

// Long enough to live on the heap, not in the small-string buffer.
const std::string kLong(40, 'x');

struct S {
  std::string text;
};

// Takes its argument by value and suspends, so the temporary must survive
// a real suspension of the caller.
asio::awaitable<std::string> echo(S s) {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  co_return s.text + "!";
}

template <class T>
T run(asio::awaitable<T> task) {
  asio::io_context io;
  std::optional<T> out;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) out.emplace(std::move(v));
  });
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

TEST(CoroutineTemporaries, TemporaryAggregateArgumentSurvivesCoAwait) {
  auto task = []() -> asio::awaitable<std::string> { co_return co_await echo(S{std::string(40, 'x')}); };
  EXPECT_EQ(run(task()), kLong + "!");
}

TEST(CoroutineTemporaries, SeveralTemporariesInOneExpressionSurvive) {
  auto task = []() -> asio::awaitable<std::string> {
    co_return co_await echo(S{std::string(40, 'x')}) + co_await echo(S{std::string(40, 'y')});
  };
  EXPECT_EQ(run(task()), kLong + "!" + std::string(40, 'y') + "!");
}

TEST(CoroutineTemporaries, CapturingLambdaTemporaryPassedToCoAwaitSurvives) {
  auto task = []() -> asio::awaitable<std::string> {
    // The lambda object is a temporary of the co_await expression and its
    // coroutine reads the capture after suspending.
    co_return co_await [captured = std::string(40, 'z')]() -> asio::awaitable<std::string> {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      co_return captured;
    }();
  };
  EXPECT_EQ(run(task()), std::string(40, 'z'));
}

TEST(CoroutineTemporaries, CapturingLambdaMovedIntoRunBlockingSurvives) {
  BlockingPool pool({.name = "temporaries", .threads = 1, .queue_limit = 4});
  auto task = [&pool]() -> asio::awaitable<Result<std::string>> {
    co_return co_await run_blocking(pool,
                                    [text = std::string(40, 'w')]() -> Result<std::string> { return text; });
  };
  auto r = run(task());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::string(40, 'w'));
}

}  // namespace
}  // namespace cafe
