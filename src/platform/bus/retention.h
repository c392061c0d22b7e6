// Keeps the outbox, inbox and idempotency tables bounded (DESIGN §2:
// nothing grows without bound): deletes
//   - outbox events sent more than `outbox_sent` ago (pending ones never),
//   - inbox entries and version marks older than `inbox`,
//   - idempotency keys created more than `idempotency` ago, completed or
//     abandoned by a replica that died (never one still within its lease),
// in transactions of at most `batch` rows, so a long backlog never holds
// the writer (SQLite's single writer, PostgreSQL's row locks) for long.
//
// Run it as a background task on every replica (deletes are idempotent;
// replicas that race delete nothing twice):
//   tasks.spawn(ex, "bus-retention", [&retention] { return retention.run(); });
// Periods are configuration; the inbox period must outlast the longest time
// an event can be delivered again (inbox.h).
#pragma once

#include "platform/bus/store_schema.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cafe::service {
class Clock;
}

namespace cafe::bus {

struct RetentionOptions {
  StoreTables tables{};  // which tables exist: the same as given to store_migrations()
  std::chrono::milliseconds outbox_sent{std::chrono::hours(72)};
  // Above the bus's dead-letter retention (bus.h QueueOptions: 14 days), so
  // a redriven dead letter is still recognised.
  std::chrono::milliseconds inbox{std::chrono::hours(24 * 15)};
  std::chrono::milliseconds idempotency{std::chrono::hours(24)};
  std::size_t batch = 1'000;               // rows per delete transaction
  std::size_t max_batches_per_pass = 100;  // then the pass ends and waits for the next
  std::chrono::milliseconds interval{60'000};
  std::chrono::milliseconds store_timeout{5'000};
  const service::Clock* clock = nullptr;  // null: the system's
};

struct RetentionPass {
  std::int64_t outbox = 0;  // rows deleted
  std::int64_t inbox = 0;   // inbox_events and inbox_versions
  std::int64_t idempotency = 0;
  bool complete = true;  // false: stopped at max_batches_per_pass with more to delete
};

class Retention {
 public:
  // `db` outlives the Retention. kInvalidArgument for a zero batch,
  // period, interval or timeout.
  static Result<std::unique_ptr<Retention>> create(sql::Database& db, RetentionOptions options);

  // One pass over every table, now. The first error ends the pass (what
  // was deleted by then stays deleted).
  boost::asio::awaitable<Result<RetentionPass>> run_once();

  // A pass every `interval` (the first one after one interval), until
  // cancelled; a pass that stopped at its batch limit is followed by
  // another at once. Failures are logged and the next pass tries again.
  boost::asio::awaitable<void> run();

  // What the passes so far deleted, in all. Thread-safe.
  RetentionPass totals() const;

  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

 private:
  Retention(sql::Database& db, RetentionOptions options) : db_(db), options_(options) {}

  // Deletes in batches with `sql` (its parameters: `params` then the batch
  // size) until a batch comes back short; adds what it deleted to `deleted`.
  boost::asio::awaitable<Result<bool>> drain(std::string sql, std::vector<sql::Value> params,
                                             std::int64_t& deleted, std::size_t& batches_left);

  sql::Database& db_;
  RetentionOptions options_;
  mutable std::mutex mutex_;
  RetentionPass totals_;  // guarded by mutex_
};

}  // namespace cafe::bus
