// One SQLite connection, used by one thread at a time: prepared statements
// cached per connection, SQLite result codes mapped to cafe::Error, and a
// busy handler that polls in sub-millisecond steps (sqlite3_busy_timeout
// sleeps in whole milliseconds, which is what made several processes on one
// file slow, DESIGN §1).
#pragma once

#include "platform/core/deadline.h"
#include "platform/sql/database.h"

#include <chrono>
#include <list>
#include <memory>
#include <optional>
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

  // One statement with `?` parameters; row-locking clauses (FOR UPDATE)
  // are stripped, see strip_row_locks(). Not started once `deadline` has
  // passed (kDeadlineExceeded). A read-only statement still running at the
  // deadline is interrupted (kDeadlineExceeded); a write is left to finish,
  // since SQLite rolls back the whole transaction around an interrupted
  // write, which inside a commit group would undo its neighbours. Waiting
  // for another process's lock ends at the earlier of the deadline
  // (kDeadlineExceeded) and busy.timeout (kAborted).
  Result<Rows> execute(std::string_view sql, std::span<const Value> params, Deadline deadline);

  // One or more statements without parameters (migrations, BEGIN/COMMIT),
  // bounded like a write.
  Result<void> exec_script(const std::string& sql, Deadline deadline);

  // False once SQLite has ended the transaction on its own (some I/O and
  // out-of-memory errors roll the whole transaction back).
  bool in_transaction() const noexcept;

 private:
  static constexpr std::size_t kStatementCacheSize = 64;

  SqliteConnection(sqlite3* db, SqliteBusyPolicy busy);
  static int on_busy(void* self, int attempts);
  static int on_progress(void* self);
  Result<sqlite3_stmt*> prepare(std::string_view sql, Deadline deadline);
  Error last_error(std::string_view statement, Deadline deadline) const;
  // Starts a call: lock waits end at the earlier of the deadline and now +
  // busy.timeout.
  void bound_lock_waits(Deadline deadline);

  sqlite3* db_;
  SqliteBusyPolicy busy_;
  Deadline::Clock::time_point busy_until_{};
  // Set while a read-only statement runs: the progress handler stops it then.
  std::optional<Deadline::Clock::time_point> interrupt_at_;

  // LRU of prepared statements keyed by SQL text; the map's keys view the
  // strings held by the list nodes.
  using CacheList = std::list<std::pair<std::string, sqlite3_stmt*>>;
  CacheList lru_;
  std::unordered_map<std::string_view, CacheList::iterator> cache_;
};

// SQLITE_BUSY/LOCKED -> kAborted (retry the transaction), or
// kDeadlineExceeded when the caller's deadline is why the wait ended;
// SQLITE_INTERRUPT -> kDeadlineExceeded; SQLITE_CONSTRAINT -> kConflict;
// a full disk or an I/O error -> kUnavailable; anything else -> kInternal.
ErrorCode sqlite_error_code(int code, bool deadline_passed) noexcept;

// The caller's Error for a SQLite failure; the message is logged.
Error sqlite_failure(int code, std::string_view message, std::string_view statement = {},
                     bool deadline_passed = false);

}  // namespace cafe::sql::internal
