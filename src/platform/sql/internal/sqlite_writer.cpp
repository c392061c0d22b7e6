#include "platform/sql/internal/sqlite_writer.h"

#include "platform/sql/internal/guarded_transaction.h"

#include <algorithm>
#include <exception>
#include <pthread.h>

namespace cafe::sql::internal {

SqliteWriter::SqliteWriter(std::unique_ptr<SqliteConnection> conn, Options options)
    : options_(options), conn_(std::move(conn)) {
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "sqlite-writer");
}

SqliteWriter::~SqliteWriter() {
  close();
}

void SqliteWriter::submit(TransactionBody body, CompletionPtr<Result<void>> done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.queue_limit) {
      queue_.push_back({std::move(body), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done->complete(Error::unavailable("sqlite writer queue is full or closed"));
}

void SqliteWriter::close() {
  std::lock_guard serial(close_mutex_);
  std::deque<Request> refused;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    refused.swap(queue_);
  }
  wake_.notify_all();
  for (auto& r : refused) r.done->complete(Error::unavailable("database closed"));
  if (thread_.joinable()) thread_.join();
  conn_.reset();
}

void SqliteWriter::run() {
  for (;;) {
    std::vector<Request> group;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // close() has refused whatever was queued
      const std::size_t limit = options_.group_commit ? options_.max_group : 1;
      const std::size_t n = std::min(limit, queue_.size());
      group.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_group(group);
  }
}

void SqliteWriter::commit_group(std::vector<Request>& group) {
  std::vector<Result<void>> results(group.size());
  std::optional<Error> group_failure;
  if (auto begun = conn_->exec_script("BEGIN IMMEDIATE"); !begun) group_failure = begun.error();
  for (std::size_t i = 0; i < group.size() && !group_failure; ++i) {
    results[i] = run_in_savepoint(group[i].body, group_failure);
  }
  if (!group_failure) {
    if (auto committed = conn_->exec_script("COMMIT"); !committed) group_failure = committed.error();
  }
  if (group_failure) {
    if (conn_->in_transaction()) (void)conn_->exec_script("ROLLBACK");
    for (auto& r : results) r = *group_failure;
  }
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done->complete(std::move(results[i]));
}

Result<void> SqliteWriter::run_in_savepoint(const TransactionBody& body,
                                            std::optional<Error>& group_failure) {
  if (auto saved = conn_->exec_script("SAVEPOINT cafe_txn"); !saved) {
    group_failure = saved.error();
    return saved;
  }
  GuardedTransaction<SqliteConnection> txn(*conn_);
  Result<void> outcome = run_body(body, txn);
  if (!conn_->in_transaction()) {
    // SQLite rolled back the whole transaction (an I/O error, a full disk):
    // the bodies before this one are gone too, so all of them retry.
    group_failure = Error::make(ErrorCode::kAborted, "sqlite rolled back the transaction group");
    return outcome;
  }
  if (outcome) {
    if (auto released = conn_->exec_script("RELEASE cafe_txn"); !released) group_failure = released.error();
    return outcome;
  }
  if (auto undone = conn_->exec_script("ROLLBACK TO cafe_txn; RELEASE cafe_txn"); !undone) {
    group_failure = undone.error();
  }
  return outcome;
}

}  // namespace cafe::sql::internal
