// The transactional outbox (DESIGN §2, the order path): a service writes
// the events of a state change in the same transaction as the change, so
// either both are committed or neither is; OutboxRelay (outbox_relay.h)
// publishes them afterwards. An event acknowledged by a commit is never
// lost; it may be published more than once (consumers deduplicate on
// event_id through the inbox).
//
//   auto placed = co_await db.transact([&](sql::Transaction& tx) -> Result<void> {
//     if (auto r = orders.insert(tx, order); !r) return r;
//     return outbox.add(tx, order_placed, bus::Destination::stream("orders"));
//   }, deadline);
//   if (placed) relay.notify();
//
// The table is outbox_events (store_schema.h: StoreTables::outbox).
#pragma once

#include "platform/bus/event.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <chrono>
#include <string>

namespace cafe::service {
class Clock;
}

namespace cafe::bus {

struct Destination {
  enum class Kind { kQueue, kStream };
  Kind kind = Kind::kQueue;
  std::string name;  // a queue or stream name (bus.h valid_name)
  // Queues only: the message becomes visible this long after the event was
  // added (not after it was published, so an outage does not stretch it).
  std::chrono::milliseconds delay{0};

  static Destination queue(std::string name, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    return {Kind::kQueue, std::move(name), delay};
  }
  static Destination stream(std::string name) { return {Kind::kStream, std::move(name), {}}; }
};

const char* to_string(Destination::Kind kind) noexcept;

class Outbox {
 public:
  explicit Outbox(const service::Clock* clock = nullptr) : clock_(clock) {}

  // Stores `event` for `to`, inside the caller's transaction (it runs on
  // the database thread, like every Transaction call). kInvalidArgument for
  // an event that validate() refuses, a bad destination name, or a delay on
  // a stream or outside [0, kMaxDelay] (validate.h) — checked here so that nothing
  // the relay could never publish is ever committed. The same event_id
  // twice fails the statement (a bug in the caller), and with it the
  // transaction.
  Result<void> add(sql::Transaction& tx, const Event& event, const Destination& to) const;

 private:
  const service::Clock* clock_;
};

}  // namespace cafe::bus
