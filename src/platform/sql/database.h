// The relational store behind every service: prepared statements,
// transactions and versioned migrations, with two implementations —
// SQLite (embedded default) and PostgreSQL (real stack). One conformance
// suite (tests/integration/platform/sql/) runs against both.
//
// SQL text uses `?` placeholders; the PostgreSQL backend rewrites them to
// `$n`. Write portable SQL: INTEGER/BIGINT, TEXT, `INSERT ... ON CONFLICT`,
// `RETURNING`. Values are never spliced into SQL text.
//
// Deadlines: every call carries one (the caller's, or default_timeout()
// from now). A call still queued at its deadline is answered with
// kDeadlineExceeded and never runs; a statement still running at it is
// stopped (cancelled on PostgreSQL, interrupted when read-only on SQLite)
// and the call answers kDeadlineExceeded.
//
// A failed statement fails the whole transaction, on both backends: once a
// statement inside transact() fails, later statements of that body fail at
// once with the same error, and the transaction rolls back and returns that
// error even if the body carried on and returned success. (PostgreSQL
// aborts a transaction at its first failed statement anyway; SQLite would
// keep the others, so the layer makes it behave the same.) Handle expected
// collisions in SQL (`ON CONFLICT DO NOTHING`), not by ignoring an error.
//
// Read, then write what you read (stock, balances): read with
// `SELECT ... FOR UPDATE`, which locks the rows on PostgreSQL and is
// accepted — and stripped — on SQLite, whose single writer already
// serialises transactions. Deadlocks and serialisation failures come back
// as kAborted: retry the transaction with with_retries() (sql/retry.h).
//
// Errors: Error::detail is generic ("the store is unavailable", "the store
// refused the statement"); the backend's own text (hosts, users, SQLSTATE
// messages) goes to the log, never to the caller.
//
// Threads: every call returns an awaitable that completes on the caller's
// executor; the work runs on the backend's own threads, never on the I/O
// thread. A transaction body runs on a database thread and must not wait on
// the network or on another service.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace cafe::sql {

using Null = std::monostate;
using Value = std::variant<Null, std::int64_t, double, std::string>;

// A result set: column names and rows of values in column order.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE

  bool empty() const noexcept { return rows.empty(); }
  std::size_t size() const noexcept { return rows.size(); }
};

// Typed accessors for one cell; a type mismatch is kInternal (a schema bug).
Result<std::int64_t> as_int(const Value& v);
Result<std::string> as_text(const Value& v);
Result<double> as_real(const Value& v);
bool is_null(const Value& v) noexcept;

// Reads one row's cells left to right with type checks. After the first
// mismatch or missing column every read returns an empty value and status()
// reports that first problem, so a caller reads a whole row, then checks once.
class RowReader {
 public:
  explicit RowReader(const std::vector<Value>& row) : row_(row) {}

  std::int64_t integer();
  std::string text();
  bool boolean() { return integer() != 0; }
  std::optional<std::int64_t> nullable_integer();

  Result<void> status() const;

 private:
  const Value* next();

  const std::vector<Value>& row_;
  std::size_t index_ = 0;
  std::optional<Error> error_;
};

// Statements inside one transaction. Runs on a database thread. After one
// statement fails, every later one returns that same error (see above).
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Result<Rows> execute(std::string_view sql, std::span<const Value> params = {}) = 0;
};

using TransactionBody = std::function<Result<void>(Transaction&)>;

struct Migration {
  int version;       // strictly increasing, starting at 1
  std::string name;  // for logs and the schema_migrations table
  std::string sql;   // one or more statements separated by `;`
};

// The Database must outlive every call awaiting it. Every queue is bounded:
// a call beyond the limit completes at once with kUnavailable.
class Database {
 public:
  virtual ~Database() = default;

  // A read-only statement on a reader connection. SQLite refuses writes
  // here (read-only connections); PostgreSQL takes the caller's word.
  boost::asio::awaitable<Result<Rows>> query(std::string sql, std::vector<Value> params, Deadline deadline) {
    return run_query(std::move(sql), std::move(params), deadline);
  }
  boost::asio::awaitable<Result<Rows>> query(std::string sql, std::vector<Value> params) {
    return run_query(std::move(sql), std::move(params), default_deadline());
  }

  // Runs `body` in one transaction and commits it durably before resuming
  // the caller. An error returned (or an exception thrown, which becomes
  // kInternal) by the body, or a failed statement, rolls back this
  // transaction and only this one. Conflicts and serialisation failures
  // come back as kAborted (retry the transaction); a store that cannot be
  // reached as kUnavailable and a store too slow as kDeadlineExceeded —
  // either of which, when it happened during COMMIT, does not prove that
  // nothing was committed, so retried transactions must be idempotent.
  // The body must not run BEGIN/COMMIT/ROLLBACK/SAVEPOINT itself
  // (kInternal). A body already running when the deadline passes is
  // waited for; its statements fail with kDeadlineExceeded.
  boost::asio::awaitable<Result<void>> transact(TransactionBody body, Deadline deadline) {
    return run_transaction(std::move(body), deadline);
  }
  boost::asio::awaitable<Result<void>> transact(TransactionBody body) {
    return run_transaction(std::move(body), default_deadline());
  }

  // transact() for a body that returns a value (Result<T>), handed back
  // once the transaction has committed:
  //   auto id = co_await db.transact<std::int64_t>(body, deadline);
  // The body must be copyable (it is stored in a TransactionBody).
  template <class T, class Body>
  boost::asio::awaitable<Result<T>> transact(Body body, Deadline deadline);
  template <class T, class Body>
  boost::asio::awaitable<Result<T>> transact(Body body) {
    return transact<T>(std::move(body), default_deadline());
  }

  // How long a call without a deadline of its own may take.
  virtual std::chrono::milliseconds default_timeout() const noexcept = 0;
  Deadline default_deadline() const { return Deadline::after(default_timeout()); }

  // Applies the migrations not yet applied, in order, each in its own
  // transaction. Safe when several replicas start at once (BEGIN IMMEDIATE
  // on SQLite, an advisory lock on PostgreSQL). Blocking: call at start-up,
  // before serving.
  virtual Result<void> migrate(std::span<const Migration> migrations) = 0;

  // "sqlite" or "postgres", for logs, metrics and dialect choices.
  virtual std::string_view backend() const noexcept = 0;

  // Stops the backend's threads; pending calls complete with kUnavailable,
  // a call already running on a database thread finishes first (within
  // its deadline), and later calls fail with kUnavailable. Never call it
  // from a transaction body.
  virtual void close() = 0;

 protected:
  // What backends and forwarding wrappers implement; the public overloads
  // above only settle the deadline.
  virtual boost::asio::awaitable<Result<Rows>> run_query(std::string sql, std::vector<Value> params,
                                                         Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> run_transaction(TransactionBody body, Deadline deadline) = 0;
};

template <class T, class Body>
boost::asio::awaitable<Result<T>> Database::transact(Body body, Deadline deadline) {
  if constexpr (std::is_void_v<T>) {
    TransactionBody erased(std::move(body));
    auto op = run_transaction(std::move(erased), deadline);
    co_return co_await std::move(op);
  } else {
    // The body runs on a database thread; the value waits here for COMMIT.
    auto value = std::make_shared<std::optional<T>>();
    TransactionBody erased = [body = std::move(body), value](Transaction& t) mutable -> Result<void> {
      Result<T> produced = body(t);
      if (!produced) return produced.error();
      *value = std::move(*produced);
      return {};
    };
    auto op = run_transaction(std::move(erased), deadline);
    Result<void> done = co_await std::move(op);
    if (!done) co_return done.error();
    if (!value->has_value())
      co_return Error::internal("the transaction committed without producing its value");
    co_return std::move(**value);
  }
}

// Fails calls fast while the store is down: after `failures_to_open`
// consecutive calls answered kUnavailable or kDeadlineExceeded (a timeout
// counts only for a call given at least half the store's default budget,
// so tiny client budgets cannot open it for everyone), calls are
// refused at once with kUnavailable (retry_after_seconds set) for
// `probe_after`; then one call goes through as a probe, and its success
// closes the breaker again (its failure re-opens it).
struct StoreBreakerOptions {
  std::size_t failures_to_open = 5;  // 0 turns the breaker off
  std::chrono::milliseconds probe_after{1000};
};

// The file is in WAL mode with synchronous=FULL (a commit is on disk before
// transact() resumes; NORMAL could lose the last commits on power loss) and
// foreign keys on. One writer thread groups queued transactions into one
// commit; `reader_threads` read-only connections serve query().
struct SqliteOptions {
  std::string path;                          // file path; ":memory:" is refused (readers need a shared file)
  int reader_threads = 2;                    // bounded reader pool
  std::size_t queue_limit = 4096;            // pending calls beyond this are refused (kUnavailable)
  std::size_t max_group = 256;               // transactions grouped into one commit at most
  std::chrono::microseconds busy_wait{200};  // busy handler sleep; well under 1 ms (DESIGN §1)
  // How long a group waits for another process's write lock before its
  // transactions give up with kAborted (each also stops at its own deadline).
  std::chrono::milliseconds busy_timeout{5000};
  bool group_commit = true;                          // false: one commit per transaction (for benchmarks)
  std::chrono::milliseconds default_deadline{2000};  // for calls that bring none
  StoreBreakerOptions breaker{};
};

// `conninfo` may list several hosts ("host=a,b port=5432,5432
// target_session_attrs=read-write"): each is tried in turn, each bounded by
// connect_timeout, so after a failover the pool reconnects to whichever
// server now accepts writes.
struct PostgresOptions {
  std::string conninfo;  // libpq connection string (host, port, dbname, user)
  int pool_size = 4;     // connections = threads
  std::size_t queue_limit = 4096;
  std::chrono::milliseconds connect_timeout{3000};  // per host
  // Server-side backstop behind the per-call deadline (which cancels first).
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds tcp_user_timeout{5000};
  std::chrono::milliseconds default_deadline{2000};  // for calls that bring none
  // Lost connections are remade off the request path, by a maintenance
  // thread, with exponential backoff and full jitter between attempts.
  std::chrono::milliseconds reconnect_backoff_base{50};
  std::chrono::milliseconds reconnect_backoff_cap{2000};
  // How long that thread spends cancelling a statement left running at its
  // deadline and rolling its transaction back before it drops the
  // connection instead.
  std::chrono::milliseconds recover_timeout{1000};
  StoreBreakerOptions breaker{};
};

Result<std::unique_ptr<Database>> open_sqlite(const SqliteOptions& options);
Result<std::unique_ptr<Database>> open_postgres(const PostgresOptions& options);

// The breaker open_sqlite and open_postgres put in front of their store
// (unless options.breaker.failures_to_open is 0); for wrapping a store in
// another order, e.g. around a fault-injecting wrapper.
std::unique_ptr<Database> with_store_breaker(std::unique_ptr<Database> inner, StoreBreakerOptions options);

}  // namespace cafe::sql
