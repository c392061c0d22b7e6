// The store's circuit breaker (database.h, StoreBreakerOptions): a
// forwarding Database around resilience::CircuitBreaker. Calls come from
// every I/O thread, so the breaker sits behind a mutex, held only to ask
// and to record — never across a call.
#include "platform/resilience/circuit_breaker.h"
#include "platform/sql/database.h"
#include "platform/sql/internal/store_error.h"

#include <algorithm>
#include <mutex>

namespace cafe::sql {
namespace {

using Clock = resilience::CircuitBreaker::Clock;

// "Consecutive" failures: a window of exactly N calls, all of which must
// fail, with no age limit (a store that fails every call an hour apart is
// still down).
resilience::CircuitBreaker::Options breaker_options(const StoreBreakerOptions& o) {
  return {.window = o.failures_to_open,
          .window_duration = std::chrono::hours(24 * 365),
          .min_failures = o.failures_to_open,
          .failure_ratio = 1.0,
          .open_duration = o.probe_after,
          .half_open_trials = 1};
}

// Codes that say the store did not answer; anything else is an answer.
bool store_did_not_answer(ErrorCode code) {
  return code == ErrorCode::kUnavailable || code == ErrorCode::kDeadlineExceeded;
}

class BreakerDatabase final : public Database {
 public:
  BreakerDatabase(std::unique_ptr<Database> inner, StoreBreakerOptions options)
      : inner_(std::move(inner)),
        breaker_(breaker_options(options)),
        retry_after_seconds_(static_cast<int>(std::max<std::int64_t>(
            1, std::chrono::ceil<std::chrono::seconds>(options.probe_after).count()))) {}

  std::chrono::milliseconds default_timeout() const noexcept override { return inner_->default_timeout(); }
  Result<void> migrate(std::span<const Migration> migrations) override { return inner_->migrate(migrations); }
  std::string_view backend() const noexcept override { return inner_->backend(); }
  void close() override { inner_->close(); }

 protected:
  boost::asio::awaitable<Result<Rows>> run_query(std::string sql, std::vector<Value> params,
                                                 Deadline deadline) override {
    // A call that arrives out of time says nothing about the store.
    if (deadline.expired()) co_return internal::deadline_error();
    if (!admit()) co_return refusal();
    const bool fair_budget = gives_a_fair_budget(deadline);
    auto op = inner_->query(std::move(sql), std::move(params), deadline);
    Result<Rows> rows = co_await std::move(op);
    record(rows ? std::nullopt : std::optional(rows.error().code), fair_budget);
    co_return rows;
  }

  boost::asio::awaitable<Result<void>> run_transaction(TransactionBody body, Deadline deadline) override {
    if (deadline.expired()) co_return internal::deadline_error();
    if (!admit()) co_return refusal();
    const bool fair_budget = gives_a_fair_budget(deadline);
    auto op = inner_->transact(std::move(body), deadline);
    Result<void> done = co_await std::move(op);
    record(done ? std::nullopt : std::optional(done.error().code), fair_budget);
    co_return done;
  }

 private:
  bool admit() {
    std::lock_guard lock(mutex_);
    return breaker_.allow(Clock::now());
  }

  // A timeout says the store is slow only when the caller gave it a fair
  // budget (half the store's default or more): otherwise any client could
  // open the breaker for every caller by sending tiny X-Deadline-Ms values.
  bool gives_a_fair_budget(Deadline deadline) const {
    return deadline.remaining() >= inner_->default_timeout() / 2;
  }

  void record(std::optional<ErrorCode> failure, bool fair_budget) {
    if (failure && *failure == ErrorCode::kDeadlineExceeded && !fair_budget) return;  // says nothing
    std::lock_guard lock(mutex_);
    if (failure && store_did_not_answer(*failure)) {
      breaker_.record_failure(Clock::now());
    } else {
      breaker_.record_success(Clock::now());
    }
  }

  Error refusal() const {
    return Error::unavailable(std::string(internal::generic_detail(ErrorCode::kUnavailable)),
                              retry_after_seconds_);
  }

  std::unique_ptr<Database> inner_;
  std::mutex mutex_;
  resilience::CircuitBreaker breaker_;  // guarded by mutex_
  const int retry_after_seconds_;
};

}  // namespace

std::unique_ptr<Database> with_store_breaker(std::unique_ptr<Database> inner, StoreBreakerOptions options) {
  options.failures_to_open = std::max<std::size_t>(options.failures_to_open, 1);
  return std::make_unique<BreakerDatabase>(std::move(inner), options);
}

}  // namespace cafe::sql
