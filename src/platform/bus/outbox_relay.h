// Publishes what services write to their outbox (outbox.h). One relay runs
// in every replica of a service; the one holding the `outbox-relay` lease
// (lease.h) publishes, the others stand by and take over within about
// `lease_ttl` when it dies, or at once when it stops cleanly.
//
// A round: read up to `batch_size` pending rows in insert order, publish
// them grouped by destination (Bus::send for queues, Bus::append for
// streams, keyed by partition_key, so records of one key keep their
// order), and mark the published ones sent in one transaction. A
// destination that fails does not hold back the others in the same batch.
// When the bus or the store fails, the relay backs off (exponential, full
// jitter) and tries again; nothing is dropped, and the lag grows where the
// metrics show it. Rows published but not marked (the store failed after
// the bus took them) are published again: delivery is at-least-once.
//
// Latency: a service calls notify() after its commit, and the relay starts
// a round at once instead of at the next poll. The notify reaches only the
// relay of the replica that committed; a commit on a standby replica waits
// for the holder's next poll (`poll_interval`).
//
// Lag (oldest pending age, pending count) is recounted every
// `lag_interval` by every replica, holder or not, and is read with lag()
// or, when `metrics` is given, exported as
//   cloudcafe_outbox_pending_events{service}              gauge
//   cloudcafe_outbox_oldest_pending_age_seconds{service}  gauge
//   cloudcafe_outbox_relay_lease_held{service}            gauge (0 or 1)
//   cloudcafe_outbox_published_total{service}             counter
//   cloudcafe_outbox_relay_failures_total{service}        counter
//
// Run it as a background task (service/task_group.h):
//   tasks.spawn(ex, "outbox-relay", [&relay] { return relay.run(); });
// Cancelling the task stops it after the call in progress; it then releases
// its lease. lag() and notify() are thread-safe; run() runs once at a time,
// on an executor that runs one handler at a time.
#pragma once

#include "platform/bus/bus.h"
#include "platform/resilience/backoff.h"
#include "platform/sql/database.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace cafe::service {
class Clock;
}
namespace cafe::telemetry {
class Metrics;
}

namespace cafe::bus {

struct OutboxRelayOptions {
  std::string holder;  // unique per process: the replica's name and a random suffix
  std::string lease_name = "outbox-relay";
  std::chrono::milliseconds lease_ttl{15'000};
  std::size_t batch_size = 100;                  // rows per round, 1..kMaxBatch
  std::chrono::milliseconds poll_interval{250};  // idle wait of the holder; notify() cuts it short
  std::chrono::milliseconds store_timeout{2'000};
  std::chrono::milliseconds publish_timeout{5'000};  // per Bus call
  std::chrono::milliseconds lag_interval{1'000};
  // Between failed rounds. The cap stays short: a bus back from an outage
  // should see its backlog within seconds.
  resilience::Backoff::Options backoff{.base = std::chrono::milliseconds(100),
                                       .cap = std::chrono::milliseconds(5'000)};
  const service::Clock* clock = nullptr;  // null: the system's
  telemetry::Metrics* metrics = nullptr;  // null: lag() only
  std::uint64_t seed = 0;                 // backoff jitter; 0: random
};

struct OutboxLag {
  bool lease_held = false;
  std::int64_t pending = 0;                         // rows not yet sent
  std::chrono::milliseconds oldest_pending_age{0};  // 0 when none
  std::uint64_t published = 0;                      // by this replica since it started
  std::uint64_t failed_rounds = 0;                  // rounds the bus or store failed
  bool counted = false;                             // false until the first count
};

class OutboxRelay {
 public:
  // `db` and `bus` outlive the relay. kInvalidArgument for options it
  // cannot run with: an empty holder or lease name, a batch outside
  // 1..kMaxBatch, a zero interval or timeout.
  static Result<std::unique_ptr<OutboxRelay>> create(sql::Database& db, Bus& bus, OutboxRelayOptions options);
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Relays until cancelled, then releases the lease (bounded by
  // store_timeout) and returns.
  boost::asio::awaitable<void> run();

  // Starts a round now rather than at the next poll. Any thread.
  void notify();

  OutboxLag lag() const;

 private:
  struct State;
  explicit OutboxRelay(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cafe::bus
