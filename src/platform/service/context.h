// What the kit hands each service (DESIGN §5): its backends already opened,
// fault-wrapped and migrated, its metrics, faults, clock and log, its
// background tasks, stress scenarios and concurrency limits, the I/O
// executors, and the client for calling other services. A service keeps
// the references it needs; everything here outlives the service.
#pragma once

#include "platform/telemetry/log_line.h"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cafe::sql {
class Database;
}
namespace cafe::cache {
class Cache;
}
namespace cafe::bus {
class Bus;
class InboxMetrics;
class OutboxRelay;
}  // namespace cafe::bus
namespace cafe::telemetry {
class Metrics;
}
namespace cafe::faults {
class Registry;
}
namespace cafe::http {
class Server;
}
namespace cafe::upstream {
// The inter-service client (platform/upstream/service_client.h): per-thread
// pools, target groups with run-time membership, deadline and trace
// propagation, an explicit idempotent flag, outcomes mapped to Error.
class ServiceClient;
}  // namespace cafe::upstream

namespace cafe::service {

class Clock;
class ConcurrencyLimiter;
class ConcurrencyLimits;
class StressRunner;
class TaskGroup;

class ServiceContext {
 public:
  struct Parts {
    std::string service;
    std::string replica;
    sql::Database* database = nullptr;           // null: the Definition declared none
    cache::Cache* cache = nullptr;               // null: the Definition declared none
    bus::Bus* bus = nullptr;                     // null: the Definition declared none
    bus::OutboxRelay* outbox_relay = nullptr;    // null: the Definition keeps no outbox
    bus::InboxMetrics* inbox_metrics = nullptr;  // null: the Definition keeps no inbox
    telemetry::Metrics* metrics = nullptr;
    faults::Registry* faults = nullptr;
    const Clock* clock = nullptr;
    TaskGroup* tasks = nullptr;
    StressRunner* stress = nullptr;
    ConcurrencyLimits* limits = nullptr;
    http::Server* server = nullptr;
    upstream::ServiceClient* service_client = nullptr;
  };

  explicit ServiceContext(Parts parts) : parts_(std::move(parts)) {}

  const std::string& service() const noexcept { return parts_.service; }
  const std::string& replica() const noexcept { return parts_.replica; }

  // The store the Definition declared: answers to faults on
  // "dependency:store", migrated to the service's latest schema. Asking for
  // one that was not declared is a bug (std::logic_error).
  sql::Database& database() const;
  // The cache the Definition declared: answers to faults on
  // "dependency:cache". std::logic_error when none was declared.
  cache::Cache& cache() const;
  // The bus the Definition declared: answers to faults on "dependency:bus".
  // std::logic_error when none was declared.
  bus::Bus& bus() const;
  // False when the Definition declared a bus but this deployment runs
  // without one (`<service>.bus.backend: none`).
  bool has_bus() const noexcept { return parts_.bus != nullptr; }
  // The relay of the service's outbox (Definition::bus_tables.outbox): call
  // notify() after a commit that added events, so they go out now rather
  // than at the next poll. std::logic_error when the service keeps none or
  // runs without a bus.
  bus::OutboxRelay& outbox_relay() const;
  // Where consumers count what their inbox decided, after the commit
  // (Definition::bus_tables.inbox). std::logic_error when it keeps none.
  bus::InboxMetrics& inbox_metrics() const;

  telemetry::Metrics& metrics() const noexcept { return *parts_.metrics; }
  faults::Registry& faults() const noexcept { return *parts_.faults; }
  const Clock& clock() const noexcept { return *parts_.clock; }
  // The process's log; lines carry the service and replica names.
  void log(telemetry::Level level, std::string_view event,
           std::initializer_list<telemetry::LogField> fields = {}) const;

  // Background work: stopped and awaited at shutdown, after the drain.
  TaskGroup& tasks() const noexcept { return *parts_.tasks; }
  // Where a service adds its stress scenarios (at start-up).
  StressRunner& stress() const noexcept { return *parts_.stress; }
  // The concurrency limit for calls to `dependency` (`<service>.limits.dependencies`).
  ConcurrencyLimiter& dependency_limit(std::string_view dependency) const;

  std::size_t io_threads() const;
  boost::asio::any_io_executor executor(std::size_t index) const;
  // For services that manage per-I/O-thread resources themselves (the
  // gateway's upstream clients); others need only executor().
  http::Server& server() const noexcept { return *parts_.server; }

  // The client for calling other services (the `peers` of the config, and
  // whatever discovery adds to its groups).
  upstream::ServiceClient& service_client() const noexcept { return *parts_.service_client; }

 private:
  Parts parts_;
};

}  // namespace cafe::service
