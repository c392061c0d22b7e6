#include "platform/sql/internal/sqlite_connection.h"

#include <sqlite3.h>

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
    if (rc != SQLITE_OK) return map_sqlite_error(rc, sqlite3_errstr(rc));
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

Error map_sqlite_error(int code, std::string_view message) {
  std::string detail = "sqlite: " + std::string(message);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::make(ErrorCode::kAborted, std::move(detail));
    case SQLITE_CONSTRAINT:
      // Error::detail reaches clients: say what happened, not the schema.
      return Error::conflict("the write conflicts with data already stored (a uniqueness or reference rule)");
    default:
      return Error::internal(std::move(detail));
  }
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
    Error e = map_sqlite_error(rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    e.detail += " (opening " + path + ")";
    return e;
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db, busy));
  if (mode == Mode::kReadWrite) {
    auto journal = conn->execute("PRAGMA journal_mode=WAL", {});
    if (!journal) return journal.error();
    const auto* mode = journal->rows.empty() ? nullptr : std::get_if<std::string>(&journal->rows[0][0]);
    if (mode == nullptr || *mode != "wal") {
      return Error::internal("sqlite: " + path + " cannot use WAL mode");
    }
    if (auto r = conn->exec_script("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"); !r) return r.error();
  }
  return conn;
}

SqliteConnection::SqliteConnection(sqlite3* db, SqliteBusyPolicy busy) : db_(db), busy_(busy) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_handler(db_, &SqliteConnection::on_busy, this);
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : lru_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

int SqliteConnection::on_busy(void* self, int attempts) {
  auto* conn = static_cast<SqliteConnection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (attempts == 0) conn->busy_since_ = now;
  if (now - conn->busy_since_ >= conn->busy_.timeout) return 0;  // SQLITE_BUSY -> kAborted
  std::this_thread::sleep_for(conn->busy_.wait);
  return 1;
}

Error SqliteConnection::last_error() const {
  return map_sqlite_error(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_));
}

Result<sqlite3_stmt*> SqliteConnection::prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, &tail);
  if (rc != SQLITE_OK) return last_error();
  if (stmt == nullptr) return Error::internal("sqlite: empty statement");
  // `tail` points into `sql`, which need not be NUL-terminated.
  const std::string rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (!only_separators(rest.c_str())) {
    sqlite3_finalize(stmt);
    return Error::internal("sqlite: execute() takes one statement");
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

Result<Rows> SqliteConnection::execute(std::string_view sql, std::span<const Value> params) {
  auto prepared = prepare(sql);
  if (!prepared) return prepared.error();
  sqlite3_stmt* stmt = *prepared;
  StatementReset reset{stmt};
  if (auto bound = bind_all(stmt, params); !bound) return bound.error();

  Rows out;
  const int columns = sqlite3_column_count(stmt);
  out.columns.reserve(static_cast<std::size_t>(columns));
  for (int i = 0; i < columns; ++i) out.columns.emplace_back(sqlite3_column_name(stmt, i));
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return last_error();
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) row.push_back(column_value(stmt, i));
  }
  if (sqlite3_stmt_readonly(stmt) == 0) out.affected = sqlite3_changes64(db_);
  return out;
}

Result<void> SqliteConnection::exec_script(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok();
  Error e = map_sqlite_error(rc, message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return e;
}

bool SqliteConnection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace cafe::sql::internal
