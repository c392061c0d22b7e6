// The inbox (DESIGN §2): delivery is at-least-once, so a consumer records
// each event id in the same transaction as the event's effect; a
// redelivered event finds its id there and changes nothing.
//
//   sql::TransactionBody earn = [&](sql::Transaction& tx) -> Result<void> {
//     auto admitted = inbox.admit(tx, "loyalty", event);
//     if (!admitted) return admitted.error();
//     if (*admitted != bus::Admission::kApply) return ok();  // commits only the inbox row
//     return accounts.earn(tx, points);
//   };
//
// Reordering: events of one partition key (an order) carry a rising
// `version`. advance() keeps the highest version a consumer has applied
// per key and refuses anything not above it — for consumers that apply
// state (the latest status wins), not for those that must see every event
// (analytics folds them all and uses record() alone).
//
// Both run inside the caller's transaction, on the database thread. On
// PostgreSQL two deliveries of one event racing in two transactions meet on
// the primary key: the second waits for the first to commit, then finds the
// row (or takes over if the first rolled back).
//
// Tables inbox_events and inbox_versions (store_schema.h:
// StoreTables::inbox); retention.h trims both. Keep the inbox retention
// above the longest time an event can come back: the bus's dead-letter
// retention, if dead letters are ever redriven.
#pragma once

#include "platform/bus/event.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <cstdint>
#include <string_view>

namespace cafe::service {
class Clock;
}

namespace cafe::bus {

enum class Admission {
  kApply,      // first delivery, newer than anything applied: apply the effect
  kDuplicate,  // this event was handled before: skip
  kStale,      // first delivery, but a later version of its key was applied: skip
};

const char* to_string(Admission admission) noexcept;

class Inbox {
 public:
  explicit Inbox(const service::Clock* clock = nullptr) : clock_(clock) {}

  // True the first time `consumer` records `event_id`: apply the effect.
  // False: seen before; skip the effect. kInvalidArgument for an empty or
  // over-long (64 / 128 bytes) consumer or id.
  Result<bool> record(sql::Transaction& tx, std::string_view consumer, std::string_view event_id) const;

  // True when `version` is above every version `consumer` applied for
  // `partition_key`, and records it; false otherwise (stale or repeated).
  Result<bool> advance(sql::Transaction& tx, std::string_view consumer, std::string_view partition_key,
                       std::int64_t version) const;

  // record(), then advance() for a first delivery.
  Result<Admission> admit(sql::Transaction& tx, std::string_view consumer, const Event& event) const;

 private:
  const service::Clock* clock_;
};

}  // namespace cafe::bus
