// PostgreSQL backend: a bounded pool of threads, each owning one
// synchronous libpq connection (see PostgresDatabase for why not the
// non-blocking API on the Asio socket).
#include "platform/core/blocking_pool.h"
#include "platform/sql/database.h"
#include "platform/sql/internal/connection_slots.h"
#include "platform/sql/internal/guarded_transaction.h"
#include "platform/sql/internal/migrations.h"
#include "platform/sql/internal/pg_connection.h"

#include <atomic>
#include <exception>
#include <mutex>

namespace cafe::sql {
namespace {

using internal::PgConnection;

// Key of the advisory lock that serialises migrations across replicas
// ("cafe" in ASCII). Advisory locks are per database, so services with
// databases of their own never wait on each other.
constexpr std::int64_t kMigrationLockKey = 0x63616665;

// BEGIN / body / COMMIT on one connection. PostgreSQL groups concurrent
// commits into one WAL flush itself, so no grouping here.
Result<void> run_transaction(PgConnection& conn, const TransactionBody& body) {
  if (auto begun = conn.exec_script("BEGIN"); !begun) return begun;
  internal::GuardedTransaction<PgConnection> txn(conn);
  Result<void> outcome = internal::run_body(body, txn);
  if (!outcome) {
    if (!conn.broken()) (void)conn.exec_script("ROLLBACK");
    return outcome;
  }
  // A COMMIT that fails with the connection lost is ambiguous: the
  // transaction may or may not have committed. The caller sees
  // kUnavailable and must make its retry idempotent (DESIGN §2: keys, inbox).
  return conn.exec_script("COMMIT");
}

Result<void> apply_migration(PgConnection& conn, const Migration& m) {
  if (auto begun = conn.exec_script("BEGIN"); !begun) return begun;
  auto attempt = [&]() -> Result<void> {
    const Value key{kMigrationLockKey};
    if (auto locked = conn.execute("SELECT pg_advisory_xact_lock(?)", std::span(&key, 1)); !locked) {
      return locked.error();
    }
    return internal::apply_locked(conn, m);
  };
  Result<void> outcome = attempt();
  if (!outcome && !conn.broken()) (void)conn.exec_script("ROLLBACK");
  return outcome;
}

// Why threads and synchronous libpq rather than libpq's non-blocking API on
// the Asio socket: every call site stays a plain sequence of PQexecParams
// (a transaction body is synchronous code anyway, so it needs a thread of
// its own either way), connect/reconnect need no hand-written state
// machine around PQconnectPoll, and the cost is one thread hop per call
// (tens of microseconds) against a network round trip per statement.
// Pool threads are bounded (pool_size) and so are the queued calls.
class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(PostgresOptions options, std::vector<std::unique_ptr<PgConnection>> connections)
      : options_(std::move(options)),
        pool_(BlockingPool::Options{
            .name = "postgres", .threads = options_.pool_size, .queue_limit = options_.queue_limit}),
        connections_(std::move(connections)) {}

  ~PostgresDatabase() override { close(); }

  boost::asio::awaitable<Result<Rows>> query(std::string sql, std::vector<Value> params) override {
    auto work = [this, sql = std::move(sql), params = std::move(params)]() -> Result<Rows> {
      auto lease = connections_.acquire();
      auto conn = ready(lease.conn());
      if (!conn) return conn.error();
      return (*conn)->execute(sql, params);
    };
    co_return co_await run_blocking(pool_, std::move(work));
  }

  boost::asio::awaitable<Result<void>> transact(TransactionBody body) override {
    auto work = [this, body = std::move(body)]() -> Result<void> {
      auto lease = connections_.acquire();
      auto conn = ready(lease.conn());
      if (!conn) return conn.error();
      return run_transaction(**conn, body);
    };
    co_return co_await run_blocking(pool_, std::move(work));
  }

  Result<void> migrate(std::span<const Migration> migrations) override {
    if (closed_) return Error::unavailable("database closed");
    if (auto valid = internal::validate_migrations(migrations); !valid) return valid;
    auto conn = PgConnection::connect(settings());
    if (!conn) return conn.error();
    // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the
    // catalog (a unique violation on pg_type), so it takes the lock too.
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
    pool_.stop();
    connections_.clear();
  }

  internal::PgSettings settings() const {
    return {.conninfo = options_.conninfo,
            .connect_timeout = options_.connect_timeout,
            .statement_timeout = options_.statement_timeout,
            .tcp_user_timeout = options_.tcp_user_timeout};
  }

 private:
  // The leased connection, (re)connected if it was never made or was lost.
  Result<PgConnection*> ready(std::unique_ptr<PgConnection>& slot) {
    if (slot && !slot->broken()) return slot.get();
    slot.reset();
    auto fresh = PgConnection::connect(settings());
    if (!fresh) return fresh.error();
    slot = std::move(*fresh);
    return slot.get();
  }

  static Result<void> create_ledger(PgConnection& conn) {
    if (auto begun = conn.exec_script("BEGIN"); !begun) return begun;
    const Value key{kMigrationLockKey};
    auto outcome = [&]() -> Result<void> {
      if (auto locked = conn.execute("SELECT pg_advisory_xact_lock(?)", std::span(&key, 1)); !locked) {
        return locked.error();
      }
      if (auto r = conn.exec_script(internal::kCreateMigrationsTable); !r) return r;
      return conn.exec_script("COMMIT");
    }();
    if (!outcome && !conn.broken()) (void)conn.exec_script("ROLLBACK");
    return outcome;
  }

  const PostgresOptions options_;
  BlockingPool pool_;
  internal::ConnectionSlots<PgConnection> connections_;
  std::mutex close_mutex_;
  std::atomic<bool> closed_{false};
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const PostgresOptions& options) {
  if (options.pool_size < 1) return Error::invalid("postgres pool_size must be at least 1");
  if (options.queue_limit < 1) return Error::invalid("postgres queue_limit must be at least 1");
  // One connection up front so that a wrong conninfo fails at start-up;
  // the others connect on first use.
  std::vector<std::unique_ptr<PgConnection>> connections(static_cast<std::size_t>(options.pool_size));
  auto first = PgConnection::connect({.conninfo = options.conninfo,
                                      .connect_timeout = options.connect_timeout,
                                      .statement_timeout = options.statement_timeout,
                                      .tcp_user_timeout = options.tcp_user_timeout});
  if (!first) return first.error();
  connections[0] = std::move(*first);
  return std::unique_ptr<Database>(std::make_unique<PostgresDatabase>(options, std::move(connections)));
}

}  // namespace cafe::sql
