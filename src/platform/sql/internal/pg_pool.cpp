#include "platform/sql/internal/pg_pool.h"

#include "platform/sql/internal/store_error.h"
#include "platform/telemetry/log.h"

#include <pthread.h>

namespace cafe::sql::internal {
namespace {

using Clock = Deadline::Clock;

// Cancels the statement `victim` left running, with pg_cancel_backend from
// a short-lived second session on the same server, all by `deadline`.
// Why not PQcancel: in libpq 15 it connects to the postmaster, sends, and
// waits for it to close the socket with no timeout at all, so against a
// paused or blackholed server it would hang this thread, and close() with
// it. (libpq 17's PQcancelPoll can be bounded; Debian 12 ships 15.) A
// cancel that does not get through is no loss: the caller has been
// answered already, and the session is dropped instead.
bool cancel_statement(const PgSettings& settings, const PgConnection& victim, Deadline deadline,
                      int wake_fd) {
  auto canceller = PgConnection::connect_beside(settings, victim, deadline, wake_fd);
  if (!canceller) return false;
  const Value pid{std::int64_t{victim.backend_pid()}};
  return (*canceller)->execute("SELECT pg_cancel_backend(?::int)", std::span(&pid, 1), deadline).has_value();
}

}  // namespace

PgPool::PgPool(Options options, std::unique_ptr<PgConnection> first)
    : options_(std::move(options)), backoff_(options_.reconnect), rng_(std::random_device{}()) {
  if (first) idle_.push_back(std::move(first));
  missing_ = options_.size - static_cast<int>(idle_.size());
  next_attempt_ = Clock::now();
  maintainer_ = std::thread([this] { maintain(); });
  pthread_setname_np(maintainer_.native_handle(), "pg-maintain");
}

PgPool::~PgPool() {
  close();
}

bool PgPool::may_come_back() const {
  return leased_ > 0 || !to_repair_.empty() || repairing_ > 0 ||
         (reachable_ && (missing_ > 0 || connecting_ > 0));
}

Result<PgPool::Lease> PgPool::acquire(Deadline deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopping_) return Error::unavailable(std::string(generic_detail(ErrorCode::kUnavailable)));
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      ++leased_;
      return Lease(*this, std::move(conn));
    }
    if (!may_come_back()) return Error::unavailable(std::string(generic_detail(ErrorCode::kUnavailable)));
    if (returned_.wait_until(lock, deadline.at()) == std::cv_status::timeout && idle_.empty()) {
      return deadline_error();
    }
  }
}

void PgPool::give_back(std::unique_ptr<PgConnection> conn) {
  {
    std::lock_guard lock(mutex_);
    --leased_;
    if (!stopping_) {
      if (conn->reusable()) {
        idle_.push_back(std::move(conn));
        returned_.notify_one();
      } else {
        to_repair_.push_back(std::move(conn));
        work_.notify_one();
      }
      return;
    }
  }
  conn.reset();  // closing: outside the lock
}

void PgPool::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  returned_.notify_all();
  waker_.wake();
  if (maintainer_.joinable()) maintainer_.join();
  std::vector<std::unique_ptr<PgConnection>> idle;
  std::deque<std::unique_ptr<PgConnection>> unrepaired;
  {
    std::lock_guard lock(mutex_);
    idle.swap(idle_);
    unrepaired.swap(to_repair_);
  }
}

PgPool::Repair PgPool::repair(PgConnection& conn) {
  const auto deadline = Deadline::after(options_.recover_timeout);
  if (conn.broken()) return Repair::kDropped;
  if (conn.awaiting_result()) {
    (void)cancel_statement(options_.settings, conn, deadline, waker_.fd());
    if (!conn.discard_abandoned_result(deadline, waker_.fd())) {
      return conn.broken() ? Repair::kDropped : Repair::kServerSilent;
    }
  }
  if (conn.in_transaction() && !conn.exec_script("ROLLBACK", deadline)) {
    return conn.awaiting_result() ? Repair::kServerSilent : Repair::kDropped;
  }
  return conn.reusable() ? Repair::kHealthy : Repair::kDropped;
}

void PgPool::reconnect_one(std::unique_lock<std::mutex>& lock) {
  --missing_;
  ++connecting_;
  lock.unlock();
  auto fresh = PgConnection::connect(options_.settings, waker_.fd());
  lock.lock();
  --connecting_;
  if (fresh) {
    idle_.push_back(std::move(*fresh));
    if (!reachable_) telemetry::log(telemetry::Level::kInfo, "store_reachable", {{"backend", "postgres"}});
    reachable_ = true;
    failed_attempts_ = 0;
    next_attempt_ = Clock::now();  // make the other missing sessions at once
  } else {
    ++missing_;
    if (reachable_) telemetry::log(telemetry::Level::kWarn, "store_unreachable", {{"backend", "postgres"}});
    reachable_ = false;
    ++failed_attempts_;
    next_attempt_ = Clock::now() + backoff_.delay(failed_attempts_, rng_);
  }
  returned_.notify_all();  // a session is back, or waiters may now fail fast
}

void PgPool::maintain() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!to_repair_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(to_repair_.front());
      to_repair_.pop_front();
      ++repairing_;
      lock.unlock();
      const Repair outcome = repair(*conn);
      std::vector<std::unique_ptr<PgConnection>> dropped;
      lock.lock();
      --repairing_;
      if (outcome == Repair::kHealthy) {
        idle_.push_back(std::move(conn));
      } else {
        dropped.push_back(std::move(conn));
        ++missing_;
        // The server did not answer within recover_timeout: the sessions
        // still waiting for repair would wait as long for nothing.
        while (outcome == Repair::kServerSilent && !to_repair_.empty()) {
          dropped.push_back(std::move(to_repair_.front()));
          to_repair_.pop_front();
          ++missing_;
        }
      }
      returned_.notify_all();
      lock.unlock();
      dropped.clear();  // PQfinish outside the lock
      lock.lock();
      continue;
    }
    if (missing_ > 0 && Clock::now() >= next_attempt_) {
      reconnect_one(lock);
      continue;
    }
    if (missing_ > 0) {
      work_.wait_until(lock, next_attempt_);
    } else {
      work_.wait(lock);
    }
  }
}

}  // namespace cafe::sql::internal
