// Retrying a transaction that collided with another (kAborted: a deadlock,
// a serialisation failure, a lock not granted, SQLite's busy file) — the
// one error whose remedy is to run the whole transaction again. Every
// other error comes back at once: kUnavailable and kDeadlineExceeded are
// the resilience layer's to retry, the rest are not to be retried at all.
//
//   auto left = co_await sql::with_retries<std::int64_t>(db, take_one, deadline);
//
// The body runs again from the start on each try (each failed try was
// rolled back), so it must not act outside the transaction. Tries are
// spaced by exponential backoff with full jitter (resilience/backoff.h),
// so that transactions that collided do not collide again in lockstep; no
// pause runs past the deadline — when the next one would, the last
// kAborted is returned.
#pragma once

#include "platform/core/deadline.h"
#include "platform/resilience/backoff.h"
#include "platform/sql/database.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <random>

namespace cafe::sql {

struct RetryOptions {
  int attempts = 3;  // tries in all, the first included
  resilience::Backoff::Options backoff{.base = std::chrono::milliseconds(5),
                                       .cap = std::chrono::milliseconds(100)};
  // Jitter source, for runs that must replay; null: one engine per thread,
  // seeded at random.
  std::mt19937_64* rng = nullptr;
};

namespace internal {
std::mt19937_64& thread_retry_rng();
}  // namespace internal

template <class T, class Body>
boost::asio::awaitable<Result<T>> with_retries(Database& db, Body body, Deadline deadline,
                                               RetryOptions options = {}) {
  const resilience::Backoff backoff(options.backoff);
  for (int attempt = 1;; ++attempt) {
    auto op = db.transact<T>(body, deadline);
    Result<T> outcome = co_await std::move(op);
    if (outcome || outcome.error().code != ErrorCode::kAborted || attempt >= options.attempts)
      co_return outcome;
    // Looked up after the await: the coroutine may have resumed elsewhere.
    std::mt19937_64& rng = options.rng != nullptr ? *options.rng : internal::thread_retry_rng();
    const auto pause = backoff.delay(attempt, rng);
    if (Deadline::Clock::now() + pause >= deadline.at()) co_return outcome;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, pause);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
}

template <class T, class Body>
boost::asio::awaitable<Result<T>> with_retries(Database& db, Body body, RetryOptions options = {}) {
  return with_retries<T>(db, std::move(body), db.default_deadline(), options);
}

}  // namespace cafe::sql
