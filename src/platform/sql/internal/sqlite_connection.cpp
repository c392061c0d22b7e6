#include "platform/sql/internal/sqlite_connection.h"

#include "platform/sql/internal/sql_text.h"
#include "platform/sql/internal/store_error.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

namespace cafe::sql::internal {
namespace {

bool only_separators(const char* tail) {
  for (; *tail != '\0'; ++tail) {
    if (*tail != ';' && *tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r') return false;
  }
  return true;
}

Result<void> bind_all(sqlite3_stmt* stmt, std::span<const Value> params) {
  const int expected = sqlite3_bind_parameter_count(stmt);
  if (static_cast<std::size_t>(expected) != params.size()) {
    return Error::internal("statement takes " + std::to_string(expected) + " parameters, got " +
                           std::to_string(params.size()));
  }
  for (int i = 0; i < expected; ++i) {
    const Value& v = params[static_cast<std::size_t>(i)];
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, i + 1, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt, i + 1, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      // SQLITE_STATIC: the parameters outlive the step loop, and the
      // bindings are cleared before execute() returns.
      rc = sqlite3_bind_text64(stmt, i + 1, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      rc = sqlite3_bind_null(stmt, i + 1);
    }
    if (rc != SQLITE_OK) return sqlite_failure(rc, sqlite3_errstr(rc));
  }
  return ok();
}

Value column_value(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return std::int64_t{sqlite3_column_int64(stmt, i)};
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_NULL:
      return Null{};
    default: {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      const int n = sqlite3_column_bytes(stmt, i);
      return std::string(p == nullptr ? "" : p, static_cast<std::size_t>(n));
    }
  }
}

// Resets the statement however execute() leaves, so that a cached statement
// never holds a read transaction open or points at freed parameters.
struct StatementReset {
  sqlite3_stmt* stmt;
  ~StatementReset() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

}  // namespace

ErrorCode sqlite_error_code(int code, bool deadline_passed) noexcept {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return deadline_passed ? ErrorCode::kDeadlineExceeded : ErrorCode::kAborted;
    case SQLITE_INTERRUPT:
      return ErrorCode::kDeadlineExceeded;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

Error sqlite_failure(int code, std::string_view message, std::string_view statement, bool deadline_passed) {
  return store_error({.code = sqlite_error_code(code, deadline_passed),
                      .backend = "sqlite",
                      .message = message,
                      .sqlstate = {},
                      .statement = statement});
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path, Mode mode,
                                                                 SqliteBusyPolicy busy) {
  // NOMUTEX: a connection is used by one thread at a time, so SQLite's own
  // per-connection mutex would only cost.
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message =
        std::string(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) + " (opening " + path + ")";
    sqlite3_close_v2(db);
    return sqlite_failure(rc, message);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db, busy));
  if (mode == Mode::kReadWrite) {
    // Opening waits for other processes' locks like any write.
    const auto deadline = Deadline::after(busy.timeout);
    // Two processes opening a new file at once: the one switching it to WAL
    // holds a lock that SQLite reports as busy without calling the busy
    // handler, so the other asks again until the deadline.
    auto journal = conn->execute("PRAGMA journal_mode=WAL", {}, deadline);
    while (!journal && journal.error().code == ErrorCode::kAborted && !deadline.expired()) {
      std::this_thread::sleep_for(std::min<Deadline::Clock::duration>(busy.wait, deadline.remaining()));
      journal = conn->execute("PRAGMA journal_mode=WAL", {}, deadline);
    }
    if (!journal) return journal.error();
    const auto* mode = journal->rows.empty() ? nullptr : std::get_if<std::string>(&journal->rows[0][0]);
    if (mode == nullptr || *mode != "wal") {
      return store_error({.code = ErrorCode::kInternal,
                          .backend = "sqlite",
                          .message = path + " cannot use WAL mode",
                          .sqlstate = {},
                          .statement = "PRAGMA journal_mode=WAL"});
    }
    if (auto r = conn->exec_script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", deadline); !r) {
      return r.error();
    }
  }
  return conn;
}

SqliteConnection::SqliteConnection(sqlite3* db, SqliteBusyPolicy busy) : db_(db), busy_(busy) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_handler(db_, &SqliteConnection::on_busy, this);
  // Every kProgressSteps virtual-machine steps (tens of microseconds) a
  // running read checks its deadline.
  constexpr int kProgressSteps = 1000;
  sqlite3_progress_handler(db_, kProgressSteps, &SqliteConnection::on_progress, this);
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : lru_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

int SqliteConnection::on_busy(void* self, int /*attempts*/) {
  auto* conn = static_cast<SqliteConnection*>(self);
  const auto now = Deadline::Clock::now();
  if (now >= conn->busy_until_) return 0;  // SQLITE_BUSY
  std::this_thread::sleep_for(std::min<Deadline::Clock::duration>(conn->busy_.wait, conn->busy_until_ - now));
  return 1;
}

int SqliteConnection::on_progress(void* self) {
  const auto* conn = static_cast<const SqliteConnection*>(self);
  return conn->interrupt_at_ && Deadline::Clock::now() >= *conn->interrupt_at_ ? 1 : 0;
}

void SqliteConnection::bound_lock_waits(Deadline deadline) {
  busy_until_ = std::min(Deadline::Clock::now() + busy_.timeout, deadline.at());
}

Error SqliteConnection::last_error(std::string_view statement, Deadline deadline) const {
  return sqlite_failure(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), statement, deadline.expired());
}

Result<sqlite3_stmt*> SqliteConnection::prepare(std::string_view sql, Deadline deadline) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  const std::string text = strip_row_locks(sql);
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) return last_error(sql, deadline);
  if (stmt == nullptr) {
    return store_error(
        {.code = ErrorCode::kInternal, .backend = "sqlite", .message = "empty statement", .statement = sql});
  }
  const std::string rest(tail, static_cast<std::size_t>(text.data() + text.size() - tail));
  if (!only_separators(rest.c_str())) {
    sqlite3_finalize(stmt);
    return store_error({.code = ErrorCode::kInternal,
                        .backend = "sqlite",
                        .message = "execute() takes one statement",
                        .statement = sql});
  }
  if (lru_.size() >= kStatementCacheSize) {
    cache_.erase(lru_.back().first);
    sqlite3_finalize(lru_.back().second);
    lru_.pop_back();
  }
  lru_.emplace_front(std::string(sql), stmt);
  cache_.emplace(lru_.front().first, lru_.begin());
  return stmt;
}

Result<Rows> SqliteConnection::execute(std::string_view sql, std::span<const Value> params,
                                       Deadline deadline) {
  if (deadline.expired()) return deadline_error();
  bound_lock_waits(deadline);
  auto prepared = prepare(sql, deadline);
  if (!prepared) return prepared.error();
  sqlite3_stmt* stmt = *prepared;
  StatementReset reset{stmt};
  if (auto bound = bind_all(stmt, params); !bound) return bound.error();
  struct Interruptible {
    std::optional<Deadline::Clock::time_point>& at;
    ~Interruptible() { at.reset(); }
  } interruptible{interrupt_at_};
  if (sqlite3_stmt_readonly(stmt) != 0) interrupt_at_ = deadline.at();

  Rows out;
  const int columns = sqlite3_column_count(stmt);
  out.columns.reserve(static_cast<std::size_t>(columns));
  for (int i = 0; i < columns; ++i) out.columns.emplace_back(sqlite3_column_name(stmt, i));
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return last_error(sql, deadline);
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) row.push_back(column_value(stmt, i));
  }
  if (sqlite3_stmt_readonly(stmt) == 0) out.affected = sqlite3_changes64(db_);
  return out;
}

Result<void> SqliteConnection::exec_script(const std::string& sql, Deadline deadline) {
  if (deadline.expired()) return deadline_error();
  bound_lock_waits(deadline);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok();
  Error e = sqlite_failure(rc, message != nullptr ? message : sqlite3_errstr(rc), sql, deadline.expired());
  sqlite3_free(message);
  return e;
}

bool SqliteConnection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace cafe::sql::internal
