// One SQLite connection, used by one thread at a time: prepared statements
// cached per connection, SQLite result codes mapped to cafe::Error, and a
// busy handler that polls in sub-millisecond steps (sqlite3_busy_timeout
// sleeps in whole milliseconds, which is what made several processes on one
// file slow, DESIGN §1).
#pragma once

#include "platform/sql/database.h"

#include <chrono>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace cafe::sql::internal {

struct SqliteBusyPolicy {
  std::chrono::microseconds wait{200};
  std::chrono::milliseconds timeout{5000};
};

class SqliteConnection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Read-write connections create the file and switch it to WAL with
  // synchronous=FULL (a commit is on disk before it is acknowledged; NORMAL
  // would lose the last commits on power loss) and foreign keys on.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path, Mode mode,
                                                        SqliteBusyPolicy busy);

  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // One statement with `?` parameters.
  Result<Rows> execute(std::string_view sql, std::span<const Value> params);

  // One or more statements without parameters (migrations, BEGIN/COMMIT).
  Result<void> exec_script(const std::string& sql);

  // False once SQLite has ended the transaction on its own (some I/O and
  // out-of-memory errors roll the whole transaction back).
  bool in_transaction() const noexcept;

 private:
  static constexpr std::size_t kStatementCacheSize = 64;

  SqliteConnection(sqlite3* db, SqliteBusyPolicy busy);
  static int on_busy(void* self, int attempts);
  Result<sqlite3_stmt*> prepare(std::string_view sql);
  Error last_error() const;

  sqlite3* db_;
  SqliteBusyPolicy busy_;
  std::chrono::steady_clock::time_point busy_since_{};

  // LRU of prepared statements keyed by SQL text; the map's keys view the
  // strings held by the list nodes.
  using CacheList = std::list<std::pair<std::string, sqlite3_stmt*>>;
  CacheList lru_;
  std::unordered_map<std::string_view, CacheList::iterator> cache_;
};

// SQLITE_BUSY/LOCKED -> kAborted (retry the transaction),
// SQLITE_CONSTRAINT -> kConflict, anything else -> kInternal.
Error map_sqlite_error(int code, std::string_view message);

}  // namespace cafe::sql::internal
