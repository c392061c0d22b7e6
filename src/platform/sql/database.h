// The relational store behind every service: prepared statements,
// transactions and versioned migrations, with two implementations —
// SQLite (embedded default) and PostgreSQL (real stack). One conformance
// suite (tests/integration/platform/sql/) runs against both.
//
// SQL text uses `?` placeholders; the PostgreSQL backend rewrites them to
// `$n`. Write portable SQL: INTEGER/BIGINT, TEXT, `INSERT ... ON CONFLICT`,
// `RETURNING`. Values are never spliced into SQL text.
//
// Threads: every call returns an awaitable that completes on the caller's
// executor; the work runs on the backend's own threads, never on the I/O
// thread. A transaction body runs on a database thread and must not wait on
// the network or on another service.
#pragma once

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

// Statements inside one transaction. Runs on a database thread.
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
  virtual boost::asio::awaitable<Result<Rows>> query(std::string sql, std::vector<Value> params) = 0;

  // Runs `body` in one transaction and commits it durably before resuming
  // the caller. An error returned (or an exception thrown, which becomes
  // kInternal) by the body rolls back only this transaction. Conflicts and
  // serialisation failures come back as kAborted (retry the transaction); a
  // store that cannot be reached as kUnavailable — which, when the
  // connection dropped during COMMIT, does not prove that nothing was
  // committed, so retried transactions must be idempotent. The body must not
  // run BEGIN/COMMIT/ROLLBACK/SAVEPOINT itself (kInternal).
  virtual boost::asio::awaitable<Result<void>> transact(TransactionBody body) = 0;

  // Applies the migrations not yet applied, in order, each in its own
  // transaction. Safe when several replicas start at once (BEGIN IMMEDIATE
  // on SQLite, an advisory lock on PostgreSQL). Blocking: call at start-up,
  // before serving.
  virtual Result<void> migrate(std::span<const Migration> migrations) = 0;

  // "sqlite" or "postgres", for logs, metrics and dialect choices.
  virtual std::string_view backend() const noexcept = 0;

  // Stops the backend's threads; pending calls complete with kUnavailable,
  // a call already running on a database thread finishes first, and later
  // calls fail with kUnavailable. Never call it from a transaction body.
  virtual void close() = 0;
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
  std::chrono::milliseconds busy_timeout{5000};  // give up (kAborted) after this long
  bool group_commit = true;                      // false: one commit per transaction (for benchmarks)
};

struct PostgresOptions {
  std::string conninfo;  // libpq connection string (host, port, dbname, user)
  int pool_size = 4;     // connections = threads
  std::size_t queue_limit = 4096;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds tcp_user_timeout{5000};
};

Result<std::unique_ptr<Database>> open_sqlite(const SqliteOptions& options);
Result<std::unique_ptr<Database>> open_postgres(const PostgresOptions& options);

}  // namespace cafe::sql
