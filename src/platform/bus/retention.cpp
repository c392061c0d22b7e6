#include "platform/bus/retention.h"

#include "platform/bus/internal/cancellation.h"
#include "platform/bus/internal/wall_clock.h"
#include "platform/telemetry/log.h"

#include <boost/asio/this_coro.hpp>

namespace cafe::bus {

namespace asio = boost::asio;
using sql::Value;

Result<std::unique_ptr<Retention>> Retention::create(sql::Database& db, RetentionOptions options) {
  const std::chrono::milliseconds zero{0};
  if (options.batch == 0 || options.max_batches_per_pass == 0)
    return Error::invalid("retention: batch and max_batches_per_pass must be at least 1");
  if (options.outbox_sent <= zero || options.inbox <= zero || options.idempotency <= zero ||
      options.interval <= zero || options.store_timeout <= zero)
    return Error::invalid("retention: periods, interval and store_timeout must be positive");
  return std::unique_ptr<Retention>(new Retention(db, options));
}

asio::awaitable<Result<bool>> Retention::drain(std::string sql, std::vector<Value> params,
                                               std::int64_t& deleted, std::size_t& batches_left) {
  params.emplace_back(static_cast<std::int64_t>(options_.batch));
  while (batches_left > 0) {
    --batches_left;
    auto body = [sql, params](sql::Transaction& tx) -> Result<std::int64_t> {
      auto r = tx.execute(sql, params);
      if (!r) return r.error();
      return r->affected;
    };
    auto op = db_.transact<std::int64_t>(std::move(body), Deadline::after(options_.store_timeout));
    auto n = co_await std::move(op);
    if (!n) co_return n.error();
    deleted += *n;
    if (*n < static_cast<std::int64_t>(options_.batch)) co_return true;
  }
  co_return false;
}

asio::awaitable<Result<RetentionPass>> Retention::run_once() {
  const std::int64_t now_ms = internal::wall_now_ms(options_.clock);
  RetentionPass pass;
  std::size_t batches_left = options_.max_batches_per_pass;
  // Each statement deletes one batch chosen by a subquery: DELETE ... LIMIT
  // is not portable (SQLite builds leave it out by default).
  auto step = [&](std::string sql, std::vector<Value> params,
                  std::int64_t& deleted) -> asio::awaitable<Result<void>> {
    auto op = drain(std::move(sql), std::move(params), deleted, batches_left);
    auto drained = co_await std::move(op);
    if (!drained) co_return drained.error();
    if (!*drained) pass.complete = false;
    co_return ok();
  };
  auto add_totals = [&] {
    std::lock_guard lock(mutex_);
    totals_.outbox += pass.outbox;
    totals_.inbox += pass.inbox;
    totals_.idempotency += pass.idempotency;
  };

  if (options_.tables.outbox) {
    auto op = step(
        "DELETE FROM outbox_events WHERE seq IN (SELECT seq FROM outbox_events WHERE sent_at_ms IS NOT NULL "
        "AND sent_at_ms < ? ORDER BY sent_at_ms LIMIT ?)",
        {Value{now_ms - options_.outbox_sent.count()}}, pass.outbox);
    if (auto r = co_await std::move(op); !r) {
      add_totals();
      co_return r.error();
    }
  }
  if (options_.tables.inbox) {
    const std::int64_t cutoff = now_ms - options_.inbox.count();
    auto events = step(
        "DELETE FROM inbox_events WHERE (consumer, event_id) IN (SELECT consumer, event_id FROM inbox_events "
        "WHERE received_at_ms < ? ORDER BY received_at_ms LIMIT ?)",
        {Value{cutoff}}, pass.inbox);
    if (auto r = co_await std::move(events); !r) {
      add_totals();
      co_return r.error();
    }
    auto versions = step(
        "DELETE FROM inbox_versions WHERE (consumer, partition_key) IN (SELECT consumer, partition_key FROM "
        "inbox_versions WHERE updated_at_ms < ? ORDER BY updated_at_ms LIMIT ?)",
        {Value{cutoff}}, pass.inbox);
    if (auto r = co_await std::move(versions); !r) {
      add_totals();
      co_return r.error();
    }
  }
  if (options_.tables.idempotency) {
    auto op = step(
        "DELETE FROM idempotency_keys WHERE (scope, idem_key) IN (SELECT scope, idem_key FROM "
        "idempotency_keys "
        "WHERE created_at_ms < ? AND (completed_at_ms IS NOT NULL OR locked_until_ms < ?) "
        "ORDER BY created_at_ms LIMIT ?)",
        {Value{now_ms - options_.idempotency.count()}, Value{now_ms}}, pass.idempotency);
    if (auto r = co_await std::move(op); !r) {
      add_totals();
      co_return r.error();
    }
  }
  add_totals();
  co_return pass;
}

asio::awaitable<void> Retention::run() {
  co_await asio::this_coro::throw_if_cancelled(false);
  bool more = false;
  while (true) {
    if (!more) co_await internal::sleep_unless_cancelled(options_.interval);
    if (co_await internal::cancelled()) co_return;
    auto pass = co_await run_once();
    if (!pass) {
      telemetry::log(telemetry::Level::kWarn, "bus_retention_failed",
                     {{"error", pass.error().detail}, {"code", to_string(pass.error().code)}});
      more = false;
      continue;
    }
    if (pass->outbox + pass->inbox + pass->idempotency > 0) {
      telemetry::log(telemetry::Level::kInfo, "bus_retention_pass",
                     {{"outbox", pass->outbox},
                      {"inbox", pass->inbox},
                      {"idempotency", pass->idempotency},
                      {"complete", pass->complete}});
    }
    more = !pass->complete;
  }
}

RetentionPass Retention::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

}  // namespace cafe::bus
