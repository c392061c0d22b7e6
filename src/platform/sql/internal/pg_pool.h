// The PostgreSQL backend's connections: a fixed number of sessions shared
// by as many pool threads, and one maintenance thread that keeps them
// healthy off the request path.
//
// A pool thread leases an idle, healthy session for one call. When it
// gives the session back in any other state — lost, poisoned, a statement
// left running at its deadline, a transaction left open — the session goes
// to the maintenance thread instead of back to the idle set, so it is never
// handed to another caller as it is. That thread:
//  - cancels a statement left running (pg_cancel_backend from a short-lived
//    second session; see cancel_statement in the .cpp for why not
//    PQcancel), collects its result and rolls back, all within
//    recover_timeout, else drops the session;
//  - replaces dropped sessions, with exponential backoff and full jitter
//    between failed attempts, so a down server is not hammered and callers
//    never pay for a reconnect.
// acquire() waits (until the caller's deadline) while a session may come
// back, and fails fast with kUnavailable when none can: every session is
// down and the last attempt to reach the server failed.
#pragma once

#include "platform/core/deadline.h"
#include "platform/resilience/backoff.h"
#include "platform/sql/internal/pg_connection.h"
#include "platform/sql/internal/pg_wait.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace cafe::sql::internal {

class PgPool {
 public:
  struct Options {
    int size = 4;
    PgSettings settings;
    resilience::Backoff::Options reconnect{.base = std::chrono::milliseconds(50),
                                           .cap = std::chrono::milliseconds(2000)};
    std::chrono::milliseconds recover_timeout{1000};
  };

  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> conn) : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (conn_) pool_->give_back(std::move(conn_));
    }
    PgConnection& conn() noexcept { return *conn_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // `first` is a session made at start-up (so a wrong conninfo fails
  // there); the others are made by the maintenance thread at once.
  PgPool(Options options, std::unique_ptr<PgConnection> first);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // An idle healthy session; kDeadlineExceeded when none came back by the
  // deadline, kUnavailable at once when none can (see above) or the pool is
  // closed.
  Result<Lease> acquire(Deadline deadline);

  // Stops the maintenance thread (ending any wait or connect of its at
  // once) and closes the idle sessions. Sessions leased at the time are
  // closed when given back.
  void close();

 private:
  enum class Repair { kHealthy, kDropped, kServerSilent };

  void give_back(std::unique_ptr<PgConnection> conn);
  void maintain();
  Repair repair(PgConnection& conn);
  void reconnect_one(std::unique_lock<std::mutex>& lock);
  bool may_come_back() const;  // requires mutex_

  const Options options_;
  resilience::Backoff backoff_;
  std::mt19937_64 rng_;  // used only by the maintenance thread
  Waker waker_;

  std::mutex mutex_;
  std::condition_variable returned_;                 // a session became idle, or acquire() may now fail fast
  std::condition_variable work_;                     // something for the maintenance thread
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mutex_
  std::deque<std::unique_ptr<PgConnection>> to_repair_;  // guarded by mutex_
  int leased_ = 0;                                       // guarded by mutex_
  int repairing_ = 0;                                    // guarded by mutex_
  int missing_ = 0;                                      // sessions to (re)make; guarded by mutex_
  int connecting_ = 0;                                   // guarded by mutex_
  bool reachable_ = true;    // false from a failed connect attempt to the next success; guarded by mutex_
  int failed_attempts_ = 0;  // guarded by mutex_
  Deadline::Clock::time_point next_attempt_{};  // guarded by mutex_
  bool stopping_ = false;                       // guarded by mutex_
  std::thread maintainer_;
};

}  // namespace cafe::sql::internal
