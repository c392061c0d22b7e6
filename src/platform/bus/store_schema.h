// The tables the outbox, inbox, idempotency keys and leases keep in a
// service's own database. Services own their schema (DESIGN §2), so each
// appends these migrations to its own list:
//
//   std::vector<sql::Migration> all(order_migrations.begin(), order_migrations.end());
//   auto bus_tables = bus::store_migrations(1000, db.backend(), {.outbox = true, .idempotency = true});
//   all.insert(all.end(), bus_tables->begin(), bus_tables->end());
//   db.migrate(all);
//
// `first_version` starts a block of kMigrationBlock versions that these
// tables own for good: each table set has a fixed place in it (leases +0,
// outbox +1, inbox +2, idempotency +3; later changes take the versions
// after), so a service that turns on the inbox later gets just that
// migration. Pick a block above every version of the service's own.
//
// Tables (all times are Unix milliseconds, wall clock, so that replicas on
// several hosts agree):
//   bus_leases (name PK, holder, expires_at_ms)            one row per lease
//   outbox_events (seq PK rising, event_id UNIQUE, event_type, destination_kind 'queue'|'stream',
//                  destination, partition_key, body, delay_ms, created_at_ms, sent_at_ms NULL while pending)
//     outbox_events_pending (seq) WHERE sent_at_ms IS NULL      the relay's scan
//     outbox_events_sent (sent_at_ms) WHERE sent_at_ms IS NOT NULL   retention
//   inbox_events (consumer, event_id) PK, received_at_ms   + index on received_at_ms
//   inbox_versions (consumer, partition_key) PK, version, updated_at_ms  + index on updated_at_ms
//   idempotency_keys (scope, idem_key) PK, fingerprint, owner, locked_until_ms, created_at_ms,
//                    completed_at_ms, response_status, response_headers, response_body
//     + index on created_at_ms
#pragma once

#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <string_view>
#include <vector>

namespace cafe::bus {

inline constexpr int kMigrationBlock = 20;

struct StoreTables {
  bool outbox = false;       // Outbox, OutboxRelay
  bool inbox = false;        // Inbox
  bool idempotency = false;  // IdempotencyStore
  // bus_leases is always created: the relay and stream workers take leases.
};

// `backend` is Database::backend() ("sqlite" or "postgres": the outbox's
// rising key is the one statement the two spell differently).
// kInvalidArgument for another backend or a first_version below 1.
Result<std::vector<sql::Migration>> store_migrations(int first_version, std::string_view backend,
                                                     StoreTables tables);

}  // namespace cafe::bus
