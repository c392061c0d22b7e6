// Test helpers that drive coroutines on an io_context and return when they
// are done, even though other work stays pending on it (an idle Redis
// connection keeps a read outstanding; a scripted server keeps accepting).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <utility>

namespace cafe::cache::testing {

// Runs one coroutine to completion and returns its value (rethrowing its
// exception).
template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> value;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) value.emplace(std::move(v));
    io.stop();
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

// Runs make_task(0) ... make_task(n - 1) concurrently until all are done.
// `make_task(i)` returns an awaitable<void>; it is kept alive meanwhile, so
// a coroutine lambda inside it may capture by reference.
template <class MakeTask>
void run_all(boost::asio::io_context& io, int n, MakeTask make_task) {
  int left = n;
  std::exception_ptr first_error;
  for (int i = 0; i < n; ++i) {
    boost::asio::co_spawn(
        io, [&make_task, i] { return make_task(i); },
        [&](std::exception_ptr e) {
          if (e && !first_error) first_error = e;
          if (--left == 0) io.stop();
        });
  }
  io.restart();
  if (n > 0) io.run();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace cafe::cache::testing
