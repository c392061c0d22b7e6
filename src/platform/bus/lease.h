// A named lease in the service's own database (bus_leases, store_schema.h):
// at most one holder at a time among the replicas that share the store,
// for work that must not run twice at once — the outbox relay, a stream
// consumer group. A holder keeps it by renewing before it expires; a
// holder that dies loses it when `ttl` has passed, and another replica
// takes it then.
//
// Expiry is wall-clock time written in the row, so hosts whose clocks
// disagree by more than `ttl` could both believe they hold it. The work
// guarded here tolerates that (it is at-least-once and deduplicated
// downstream): the lease keeps the work single in the common case and cheap,
// it does not fence.
//
// Not thread-safe: one coroutine drives one Lease.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cafe::service {
class Clock;
}

namespace cafe::bus {

struct LeaseOptions {
  std::string name;    // what is leased: "outbox-relay"
  std::string holder;  // who asks: unique per process (replica name + a random suffix)
  std::chrono::milliseconds ttl{15'000};
  const service::Clock* clock = nullptr;  // null: the system's
};

class Lease {
 public:
  Lease(sql::Database& db, LeaseOptions options);

  // Takes the lease when nobody holds it or its holder let it expire, and
  // extends it (to now + ttl) when this holder has it. True while this
  // holder has it. A lease held by another is seen with a read, so a
  // replica waiting for it writes nothing.
  boost::asio::awaitable<Result<bool>> acquire(Deadline deadline);

  // Gives it up at once (at shutdown), so another replica need not wait for
  // the expiry. Nothing when this holder does not have it.
  boost::asio::awaitable<Result<void>> release(Deadline deadline);

  // What this process last learned, on the steady clock: it holds the
  // lease until held_until() (taken from before the acquiring transaction
  // began, so it never overstates), or does not hold it.
  bool held(std::chrono::steady_clock::time_point now) const noexcept;
  // True when held and less than two thirds of ttl is left: time to renew.
  bool due_for_renewal(std::chrono::steady_clock::time_point now) const noexcept;

  const LeaseOptions& options() const noexcept { return options_; }

 private:
  sql::Database& db_;
  LeaseOptions options_;
  std::optional<std::chrono::steady_clock::time_point> held_until_;
};

}  // namespace cafe::bus
