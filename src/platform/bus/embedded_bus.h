// The Bus backend for the embedded bus: a client of `cloudcafe serve bus`
// (src/services/bus), speaking platform/bus/wire.h over HTTP keep-alive
// with the platform's service client (per-thread pools, deadlines carried
// in X-Deadline-Ms, nothing replayed that the bus may have applied).
//
// What may be repeated after a lost connection: acks, nacks, extends,
// declarations, commits and reads (repeating them changes nothing). Sends
// and appends are not repeated by the client: a send whose answer was lost
// comes back as kDeadlineExceeded and the caller (the outbox relay) sends
// again; consumers deduplicate by message id. Receives are not repeated
// either: the messages a lost answer carried become visible again after
// their visibility timeout.
//
// The client keeps a connection pool per I/O thread that calls it, and
// close() closes each on its own thread: call it while those threads still
// run (the kit does, in its close_clients phase).
#pragma once

#include "platform/bus/bus.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace cafe::bus {

struct EmbeddedBusOptions {
  std::vector<std::string> addresses{};  // "host:port" of the bus process
  std::string caller = "bus-client";     // the calling service, for client metrics
  // For the admin calls (stats, dead letters, redrive, purge); without it
  // they answer kUnauthenticated.
  std::string admin_token{};
  std::chrono::milliseconds connect_timeout{300};
  std::size_t max_connections = 64;  // per I/O thread
  prometheus::Registry* metrics = nullptr;
};

Result<std::unique_ptr<Bus>> open_embedded_bus(const EmbeddedBusOptions& options);

}  // namespace cafe::bus
