#include "platform/sql/internal/sqlite_writer.h"

#include "platform/sql/internal/guarded_transaction.h"
#include "platform/sql/internal/store_error.h"

#include <algorithm>
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

void SqliteWriter::submit(TransactionBody body, Deadline deadline, CompletionPtr<Result<void>> done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.queue_limit) {
      queue_.push_back({std::move(body), deadline, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done->complete(Error::unavailable(std::string(generic_detail(ErrorCode::kUnavailable))));
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
  for (auto& r : refused)
    r.done->complete(Error::unavailable(std::string(generic_detail(ErrorCode::kUnavailable))));
  if (thread_.joinable()) thread_.join();
  conn_.reset();
}

void SqliteWriter::run() {
  for (;;) {
    std::vector<Request> taken;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // close() has refused whatever was queued
      const std::size_t limit = options_.group_commit ? options_.max_group : 1;
      const std::size_t n = std::min(limit, queue_.size());
      taken.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Request> group;
    group.reserve(taken.size());
    for (auto& r : taken) {
      if (r.done->start()) group.push_back(std::move(r));  // else answered at its deadline already
    }
    if (!group.empty()) commit_group(group);
  }
}

bool SqliteWriter::begin_group(std::vector<Request>& group) {
  const auto lock_wait_ends = Deadline::Clock::now() + options_.busy_timeout;
  for (;;) {
    std::erase_if(group, [](Request& r) {
      if (!r.deadline.expired()) return false;
      r.done->complete(deadline_error());
      return true;
    });
    if (group.empty()) return false;
    const auto earliest =
        std::min_element(group.begin(), group.end(), [](const Request& a, const Request& b) {
          return a.deadline < b.deadline;
        })->deadline;
    auto begun = conn_->exec_script("BEGIN IMMEDIATE", Deadline(std::min(earliest.at(), lock_wait_ends)));
    if (begun) return true;
    const ErrorCode code = begun.error().code;
    const bool busy = code == ErrorCode::kAborted || code == ErrorCode::kDeadlineExceeded;
    if (!busy || Deadline::Clock::now() >= lock_wait_ends) {
      const Error why =
          busy ? Error::make(ErrorCode::kAborted, std::string(generic_detail(ErrorCode::kAborted)))
               : begun.error();
      for (auto& r : group) r.done->complete(why);
      group.clear();
      return false;
    }
    // The earliest member's deadline passed while the lock was held
    // elsewhere, or SQLite answered busy at once (another process
    // recovering the WAL): the rest of the group tries again.
    std::this_thread::sleep_for(options_.busy_wait);
  }
}

void SqliteWriter::commit_group(std::vector<Request>& group) {
  if (!begin_group(group)) return;
  std::vector<Result<void>> results(group.size());
  std::optional<Error> group_failure;
  for (std::size_t i = 0; i < group.size() && !group_failure; ++i) {
    // A member that waited past its deadline behind the others' bodies
    // never starts.
    results[i] = group[i].deadline.expired() ? Result<void>(deadline_error())
                                             : run_in_savepoint(group[i], group_failure);
  }
  if (!group_failure) {
    if (auto committed = conn_->exec_script("COMMIT", lock_held_deadline()); !committed) {
      group_failure = committed.error();
    }
  }
  if (group_failure) {
    if (conn_->in_transaction()) (void)conn_->exec_script("ROLLBACK", lock_held_deadline());
    for (auto& r : results) r = *group_failure;
  }
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done->complete(std::move(results[i]));
}

Result<void> SqliteWriter::run_in_savepoint(const Request& request, std::optional<Error>& group_failure) {
  if (auto saved = conn_->exec_script("SAVEPOINT cafe_txn", lock_held_deadline()); !saved) {
    group_failure = saved.error();
    return saved;
  }
  GuardedTransaction<SqliteConnection> txn(*conn_, request.deadline);
  Result<void> outcome = run_body(request.body, txn);
  if (!conn_->in_transaction()) {
    // SQLite rolled back the whole transaction (an I/O error, a full disk):
    // the bodies before this one are gone too, so all of them retry.
    group_failure = Error::make(ErrorCode::kAborted, std::string(generic_detail(ErrorCode::kAborted)));
    return outcome;
  }
  if (outcome) {
    if (auto released = conn_->exec_script("RELEASE cafe_txn", lock_held_deadline()); !released) {
      group_failure = released.error();
    }
    return outcome;
  }
  if (auto undone = conn_->exec_script("ROLLBACK TO cafe_txn; RELEASE cafe_txn", lock_held_deadline());
      !undone) {
    group_failure = undone.error();
  }
  return outcome;
}

}  // namespace cafe::sql::internal
