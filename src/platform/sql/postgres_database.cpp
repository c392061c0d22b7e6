// PostgreSQL backend: a bounded pool of threads, each running one call at a
// time on a session leased from the pool (internal/pg_pool.h), whose waits
// are all bounded by the call's deadline (internal/pg_connection.h).
//
// Why threads rather than libpq's non-blocking API on the Asio socket:
// every call site stays a plain sequence of statements (a transaction body
// is synchronous code anyway, so it needs a thread of its own either way),
// and the cost is one thread hop per call (tens of microseconds) against a
// network round trip per statement. The threads use libpq's non-blocking
// mode underneath only so that no wait outlives its deadline. Pool threads
// are bounded (pool_size) and so are the queued calls.
#include "platform/core/blocking_pool.h"
#include "platform/sql/database.h"
#include "platform/sql/internal/guarded_transaction.h"
#include "platform/sql/internal/migrations.h"
#include "platform/sql/internal/pg_connection.h"
#include "platform/sql/internal/pg_pool.h"
#include "platform/sql/internal/store_error.h"

#include <atomic>
#include <mutex>

namespace cafe::sql {
namespace {

using internal::PgConnection;

// Key of the advisory lock that serialises migrations across replicas
// ("cafe" in ASCII). Advisory locks are per database, so services with
// databases of their own never wait on each other.
constexpr std::int64_t kMigrationLockKey = 0x63616665;

// BEGIN / body / COMMIT on one session. PostgreSQL groups concurrent
// commits into one WAL flush itself, so no grouping here.
Result<void> run_transaction_on(PgConnection& conn, const TransactionBody& body, Deadline deadline) {
  if (auto begun = conn.exec_script("BEGIN", deadline); !begun) return begun;
  internal::GuardedTransaction<PgConnection> txn(conn, deadline);
  Result<void> outcome = internal::run_body(body, txn);
  if (!outcome) {
    // With time left, roll back here so that the session returns idle; a
    // session left in a transaction (the deadline passed, a statement is
    // still running) is rolled back by the pool's maintenance thread.
    if (!conn.broken() && !conn.awaiting_result() && !deadline.expired()) {
      (void)conn.exec_script("ROLLBACK", deadline);
    }
    return outcome;
  }
  // A COMMIT that fails with the connection lost or the deadline passed is
  // ambiguous: the transaction may or may not have committed. The caller
  // sees kUnavailable or kDeadlineExceeded and must make its retry
  // idempotent (DESIGN §2: keys, inbox).
  return conn.commit(deadline);
}

Result<void> take_migration_lock(PgConnection& conn, Deadline deadline) {
  const Value key{kMigrationLockKey};
  auto locked = conn.execute("SELECT pg_advisory_xact_lock(?)", std::span(&key, 1), deadline);
  if (!locked) return locked.error();
  return ok();
}

Result<void> apply_migration(PgConnection& conn, const Migration& m) {
  const auto deadline = Deadline::after(internal::kMigrationBudget);
  if (auto begun = conn.exec_script("BEGIN", deadline); !begun) return begun;
  auto attempt = [&]() -> Result<void> {
    if (auto locked = take_migration_lock(conn, deadline); !locked) return locked;
    return internal::apply_locked(conn, m, deadline);
  };
  Result<void> outcome = attempt();
  if (!outcome && !conn.broken() && !conn.awaiting_result()) (void)conn.exec_script("ROLLBACK", deadline);
  return outcome;
}

// Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog (a
// unique violation on pg_type), so creating the ledger takes the lock too.
Result<void> create_ledger(PgConnection& conn) {
  const auto deadline = Deadline::after(internal::kMigrationBudget);
  if (auto begun = conn.exec_script("BEGIN", deadline); !begun) return begun;
  auto outcome = [&]() -> Result<void> {
    if (auto locked = take_migration_lock(conn, deadline); !locked) return locked;
    if (auto r = conn.exec_script(internal::kCreateMigrationsTable, deadline); !r) return r;
    return conn.commit(deadline);
  }();
  if (!outcome && !conn.broken() && !conn.awaiting_result()) (void)conn.exec_script("ROLLBACK", deadline);
  return outcome;
}

internal::PgSettings settings_of(const PostgresOptions& o) {
  return {.conninfo = o.conninfo,
          .connect_timeout = o.connect_timeout,
          .statement_timeout = o.statement_timeout,
          .tcp_user_timeout = o.tcp_user_timeout};
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(PostgresOptions options, std::unique_ptr<PgConnection> first)
      : options_(std::move(options)),
        threads_(BlockingPool::Options{
            .name = "postgres", .threads = options_.pool_size, .queue_limit = options_.queue_limit}),
        sessions_(internal::PgPool::Options{.size = options_.pool_size,
                                            .settings = settings_of(options_),
                                            .reconnect = {.base = options_.reconnect_backoff_base,
                                                          .cap = options_.reconnect_backoff_cap},
                                            .recover_timeout = options_.recover_timeout},
                  std::move(first)) {}

  ~PostgresDatabase() override { close(); }

  std::chrono::milliseconds default_timeout() const noexcept override { return options_.default_deadline; }

  Result<void> migrate(std::span<const Migration> migrations) override {
    if (closed_) return Error::unavailable(std::string(internal::generic_detail(ErrorCode::kUnavailable)));
    if (auto valid = internal::validate_migrations(migrations); !valid) return valid;
    auto conn = PgConnection::connect(settings_of(options_));
    if (!conn) return conn.error();
    if (auto r = create_ledger(**conn); !r) return r;
    for (const Migration& m : migrations) {
      if (auto r = apply_migration(**conn, m); !r) return r;
    }
    return ok();
  }

  std::string_view backend() const noexcept override { return "postgres"; }

  void close() override {
    std::lock_guard lock(close_mutex_);
    closed_ = true;
    // The sessions first: callers waiting for one are answered at once,
    // and calls still running give theirs back to be closed.
    sessions_.close();
    threads_.stop();
  }

 protected:
  boost::asio::awaitable<Result<Rows>> run_query(std::string sql, std::vector<Value> params,
                                                 Deadline deadline) override {
    auto work = [this, sql = std::move(sql), params = std::move(params), deadline]() -> Result<Rows> {
      auto lease = sessions_.acquire(deadline);
      if (!lease) return lease.error();
      return lease->conn().execute(sql, params, deadline);
    };
    auto op = run_blocking(threads_, std::move(work), deadline, internal::deadline_error());
    co_return co_await std::move(op);
  }

  boost::asio::awaitable<Result<void>> run_transaction(TransactionBody body, Deadline deadline) override {
    auto work = [this, body = std::move(body), deadline]() -> Result<void> {
      auto lease = sessions_.acquire(deadline);
      if (!lease) return lease.error();
      return run_transaction_on(lease->conn(), body, deadline);
    };
    auto op = run_blocking(threads_, std::move(work), deadline, internal::deadline_error());
    co_return co_await std::move(op);
  }

 private:
  const PostgresOptions options_;
  BlockingPool threads_;
  internal::PgPool sessions_;
  std::mutex close_mutex_;
  std::atomic<bool> closed_{false};
};

Result<void> validate(const PostgresOptions& o) {
  if (o.pool_size < 1) return Error::invalid("postgres pool_size must be at least 1");
  if (o.queue_limit < 1) return Error::invalid("postgres queue_limit must be at least 1");
  if (o.default_deadline <= std::chrono::milliseconds(0))
    return Error::invalid("postgres default_deadline must be positive");
  if (o.connect_timeout <= std::chrono::milliseconds(0) || o.recover_timeout <= std::chrono::milliseconds(0))
    return Error::invalid("postgres connect_timeout and recover_timeout must be positive");
  return ok();
}

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const PostgresOptions& options) {
  if (auto valid = validate(options); !valid) return valid.error();
  // One session up front so that a wrong conninfo fails at start-up; the
  // pool's maintenance thread makes the others.
  auto first = PgConnection::connect(settings_of(options));
  if (!first) return first.error();
  std::unique_ptr<Database> db = std::make_unique<PostgresDatabase>(options, std::move(*first));
  if (options.breaker.failures_to_open == 0) return db;
  return with_store_breaker(std::move(db), options.breaker);
}

}  // namespace cafe::sql
