// Workers that consume a queue or a stream on behalf of a service, so that
// no service writes its own receive loop. A handler is a coroutine that
// applies one message and answers:
//   - success: the message is done (acked, or counted into the commit);
//   - an error whose code says retry (kUnavailable, kDeadlineExceeded,
//     kResourceExhausted, kAborted: the store or a peer is down): the
//     message is tried again later, and the worker slows down;
//   - any other error: the message is poison. A queue message is handed
//     back at once, so it reaches the dead-letter queue after the queue's
//     max_receives; a stream record is tried `max_attempts` times, then
//     skipped (logged and counted), since a stream has no dead-letter queue
//     and one bad record must not stop the ones behind it.
// Handlers make their effects idempotent with the inbox (inbox.h): every
// message may arrive more than once.
//
// Both run as background tasks (service/task_group.h) on an executor that
// runs one handler at a time, and stop cleanly when cancelled: they stop
// taking new work, let the work in hand finish (the queue worker for up
// to `drain_timeout`, then it cancels the handlers still running), ack or
// commit what finished, and return.
#pragma once

#include "platform/bus/bus.h"
#include "platform/resilience/backoff.h"
#include "platform/sql/database.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cafe::service {
class Clock;
}

namespace cafe::bus {

using QueueHandler = std::function<boost::asio::awaitable<Result<void>>(const QueueMessage&)>;
using StreamHandler = std::function<boost::asio::awaitable<Result<void>>(const StreamRecord&)>;

// True for the codes after which the same message may succeed later.
bool retryable(const Error& error) noexcept;

// --- queues ---

struct QueueWorkerOptions {
  std::string queue;
  std::size_t concurrency = 4;  // messages in hand at once (running, or done and not yet acked)
  std::size_t batch_size = 10;  // per receive, at most; 1..kMaxBatch
  // Long poll. A stop waits for the one in progress (a receive abandoned
  // half-way could still take messages at the bus), so this also bounds
  // how long a stop takes to begin draining.
  std::chrono::milliseconds wait{2'000};
  // Each delivery is hidden this long, and extended by as much every third
  // of it while its handler still runs.
  std::chrono::milliseconds visibility{30'000};
  std::chrono::milliseconds call_timeout{5'000};  // per Bus call, on top of the long poll
  // Before a message that failed retryably is visible again, by its receive count.
  resilience::Backoff::Options retry_delay{.base = std::chrono::milliseconds(500),
                                           .cap = std::chrono::milliseconds(60'000)};
  // How long receiving pauses after consecutive failures of the bus or of
  // handlers asking for a retry.
  resilience::Backoff::Options failure_backoff{.base = std::chrono::milliseconds(100),
                                               .cap = std::chrono::milliseconds(5'000)};
  std::chrono::milliseconds drain_timeout{10'000};
  std::uint64_t seed = 0;  // jitter; 0: random
};

struct QueueWorkerStats {
  std::uint64_t received = 0;
  std::uint64_t acked = 0;
  std::uint64_t retried = 0;   // handed back after a retryable failure
  std::uint64_t poison = 0;    // handed back after a failure that no retry fixes
  std::uint64_t extended = 0;  // visibility extensions
  std::uint64_t bus_failures = 0;
  std::size_t in_hand = 0;
};

class QueueWorker {
 public:
  // `bus` outlives the worker. kInvalidArgument for a bad queue name, a
  // zero concurrency, a batch outside 1..kMaxBatch, or a zero duration.
  static Result<std::unique_ptr<QueueWorker>> create(Bus& bus, QueueWorkerOptions options,
                                                     QueueHandler handler);
  ~QueueWorker();
  QueueWorker(const QueueWorker&) = delete;
  QueueWorker& operator=(const QueueWorker&) = delete;

  // Consumes until cancelled, then drains (see above). Once at a time.
  boost::asio::awaitable<void> run();

  QueueWorkerStats stats() const;  // thread-safe

  struct State;

 private:
  explicit QueueWorker(std::shared_ptr<State> state);
  // Shared with the handler coroutines, which may end after run() is told
  // to stop.
  std::shared_ptr<State> state_;
};

// --- streams ---

struct StreamWorkerOptions {
  std::string stream;
  std::string group;             // the consumer group whose committed offset this worker advances
  std::size_t batch_size = 100;  // records per read; 1..kMaxBatch
  std::chrono::milliseconds wait{2'000};
  std::chrono::milliseconds call_timeout{5'000};
  resilience::Backoff::Options failure_backoff{.base = std::chrono::milliseconds(100),
                                               .cap = std::chrono::milliseconds(5'000)};
  int max_attempts = 5;  // for a record that fails without asking for a retry
  // Replicas that share a group would all read every record; with a lease
  // store, only the replica holding the lease `stream:<stream>:<group>`
  // reads, the others stand by (lease.h).
  sql::Database* lease_store = nullptr;
  std::string holder;  // with lease_store: unique per process
  std::chrono::milliseconds lease_ttl{15'000};
  const service::Clock* clock = nullptr;  // null: the system's
  std::uint64_t seed = 0;
};

struct StreamWorkerStats {
  std::uint64_t handled = 0;
  std::uint64_t skipped = 0;               // poison records passed over after max_attempts
  std::uint64_t failures = 0;              // failed reads, commits and retried handler calls
  std::optional<std::uint64_t> committed;  // the last offset this worker committed
  bool lease_held = false;                 // always true without a lease store, once running
};

class StreamWorker {
 public:
  // `bus` (and the lease store) outlive the worker. kInvalidArgument for
  // bad names, a batch outside 1..kMaxBatch, a zero duration or
  // max_attempts, or a lease store without a holder.
  static Result<std::unique_ptr<StreamWorker>> create(Bus& bus, StreamWorkerOptions options,
                                                      StreamHandler handler);
  ~StreamWorker();
  StreamWorker(const StreamWorker&) = delete;
  StreamWorker& operator=(const StreamWorker&) = delete;

  // Reads from the group's committed offset, hands records to the handler
  // one at a time in offset order, and commits after each batch (and
  // before pausing on a failure, and at stop). Until cancelled. Once at a
  // time.
  boost::asio::awaitable<void> run();

  StreamWorkerStats stats() const;  // thread-safe

  struct State;

 private:
  explicit StreamWorker(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cafe::bus
