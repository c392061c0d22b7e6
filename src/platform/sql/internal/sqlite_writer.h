// The one thread that writes a SQLite file for this process. Callers'
// transactions queue here; the writer takes every waiting transaction (up
// to max_group), runs them inside one BEGIN IMMEDIATE ... COMMIT, each in
// its own SAVEPOINT, so one fsync commits the whole group while a failing
// body (or a body with a failed statement) undoes only its own work. Every
// caller is completed on its own executor once the group's COMMIT has
// returned.
//
// Deadlines: a transaction still queued at its deadline is answered then
// and never runs. While another process holds the file's write lock, the
// group keeps retrying BEGIN IMMEDIATE: a member whose deadline passes
// leaves the group alone (kDeadlineExceeded), the others wait on, up to
// busy_timeout in all (then kAborted: retry the transaction).
#pragma once

#include "platform/core/completion.h"
#include "platform/core/deadline.h"
#include "platform/sql/database.h"
#include "platform/sql/internal/sqlite_connection.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cafe::sql::internal {

class SqliteWriter {
 public:
  struct Options {
    std::size_t queue_limit = 4096;
    std::size_t max_group = 256;
    bool group_commit = true;
    std::chrono::milliseconds busy_timeout{5000};  // a group's wait for another process's lock
    std::chrono::microseconds busy_wait{200};      // pause between BEGIN attempts
  };

  SqliteWriter(std::unique_ptr<SqliteConnection> conn, Options options);
  ~SqliteWriter();
  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  // Queues the transaction, or completes `done` at once with kUnavailable
  // when the queue is full or the writer is closed.
  void submit(TransactionBody body, Deadline deadline, CompletionPtr<Result<void>> done);

  // Refuses queued transactions (kUnavailable), lets the group being
  // committed finish, joins the thread and closes the connection. Must not
  // be called from a transaction body.
  void close();

 private:
  struct Request {
    TransactionBody body;
    Deadline deadline;
    CompletionPtr<Result<void>> done;
  };

  void run();
  void commit_group(std::vector<Request>& group);
  // Takes the write lock for the group (see above). False when no member is
  // left to commit; every member that left has been answered.
  bool begin_group(std::vector<Request>& group);
  // Runs one body inside its own savepoint. Returns the body's outcome; sets
  // `group_failure` when the enclosing transaction can no longer commit.
  Result<void> run_in_savepoint(const Request& request, std::optional<Error>& group_failure);
  // For statements that never wait on another process (the write lock is
  // held): bounded only so that nothing is unbounded.
  Deadline lock_held_deadline() const { return Deadline::after(options_.busy_timeout); }

  const Options options_;
  std::unique_ptr<SqliteConnection> conn_;  // used only by the writer thread

  std::mutex close_mutex_;  // serialises close() calls
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> queue_;  // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_
  std::thread thread_;
};

}  // namespace cafe::sql::internal
