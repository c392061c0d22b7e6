// One service assembled on the kit and listening: its backends (opened,
// fault-wrapped, migrated), context, routes behind the shared pipeline and
// their concurrency limits, the stress routes, the HTTP server, and the
// ordered shutdown. `cloudcafe serve` runs one until a signal
// (TerminationSignals); integration tests start several in-process on
// ephemeral ports.
#pragma once

#include "platform/bus/bus.h"
#include "platform/bus/inbox_metrics.h"
#include "platform/bus/outbox_relay.h"
#include "platform/bus/retention.h"
#include "platform/core/error.h"
#include "platform/faults/fault.h"
#include "platform/http/router.h"
#include "platform/http/server.h"
#include "platform/service/definition.h"
#include "platform/service/registry.h"
#include "platform/service/shutdown_sequence.h"
#include "platform/service/stress_runner.h"

#include <any>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cafe::telemetry {
class Metrics;
}
namespace cafe::http {
class HttpService;
}

namespace cafe::upstream {
class ServiceClient;
}

namespace cafe::service {

class Clock;
class ConcurrencyLimits;
class TaskGroup;

struct HostOptions {
  std::string replica;
  std::string data_dir = "data";  // embedded databases: <data_dir>/<service>.db
  std::optional<std::string> admin_token;
  bool access_log = true;
  http::ServerOptions server;
  // From the start of shutdown() to the end of its last phase. Past it,
  // shutdown() reports what still runs and the process must exit.
  std::chrono::milliseconds shutdown_timeout{15'000};
  StressRunner::Options stress;
  const Clock* clock = nullptr;  // null: the system clock
  // Other services this one calls: name -> "host:port" replicas.
  std::vector<std::pair<std::string, std::vector<std::string>>> peers;
};

class Host {
 public:
  // Opens the backends, builds the service and binds the port; serving
  // begins with start().
  static Result<std::unique_ptr<Host>> create(const Definition& definition, const ServiceSection& section,
                                              HostOptions options);
  // Runs shutdown() if nothing did. Must not run after a shutdown that
  // timed out (a phase is still stuck): exit the process instead.
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Starts the service's background work, then serving.
  Result<void> start();

  // Shuts down in ordered phases, each awaited before the next, all within
  // HostOptions::shutdown_timeout (DESIGN §5):
  //   stop_accepting   injected faults end (no injected delay holds what
  //                    follows); every listener closes
  //   drain            each I/O thread finishes its in-flight requests
  //                    (http drain_timeout closes what is left)
  //   stop_background  the service's own loops end, then the task group
  //                    (stress runs included) is cancelled and awaited
  //   close_clients    the service's clients, then the cache and the bus
  //   close_database   the store
  //   stop_io          the I/O threads end; their io_contexts go with the host
  // Each phase is logged ("shutdown_phase"). kDeadlineExceeded (also
  // logged, "shutdown_timed_out", with the phase and the tasks still
  // running) when the timeout passes first. Idempotent: later calls return
  // the first outcome. Callable from any thread but an I/O thread.
  Result<void> shutdown();

  std::uint16_t port() const;
  std::string address() const;
  const std::string& name() const noexcept { return definition_.name; }
  faults::Registry& faults() noexcept { return faults_; }
  telemetry::Metrics& metrics() noexcept { return *metrics_; }
  std::vector<ShutdownSequence::PhaseReport> shutdown_report() const { return sequence_.report(); }

 private:
  Host(const Definition& definition, HostOptions options);
  Result<void> run_shutdown();
  Result<void> wait_drained(Deadline deadline);
  // The retention of the bus tables, and the outbox relay, when the
  // Definition keeps them.
  Result<void> open_bus_tables(const Definition& definition, const std::any& config);

  Definition definition_;
  HostOptions options_;
  std::any config_;  // the service's typed config; the factory gets a reference
  // Declared in dependency order; destroyed in reverse: the service goes
  // before the server (its timers belong to the server's io_contexts), the
  // backends last.
  std::unique_ptr<telemetry::Metrics> metrics_;
  faults::Registry faults_;
  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<ConcurrencyLimits> limits_;
  std::unique_ptr<TaskGroup> tasks_;
  std::unique_ptr<StressRunner> stress_;
  http::Router router_;
  std::unique_ptr<http::HttpService> pipeline_;
  std::unique_ptr<http::Server> server_;
  // After the server: its per-thread clients hold timers and sockets of the
  // server's io_contexts.
  std::unique_ptr<upstream::ServiceClient> service_client_;
  // Like the service client, the bus client keeps connections on the
  // server's io_contexts: it goes before the server. The relay and the
  // retention use the bus and the database: they go first.
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<bus::Retention> bus_retention_;     // with bus tables
  std::unique_ptr<bus::OutboxRelay> outbox_relay_;    // with an outbox
  std::unique_ptr<bus::InboxMetrics> inbox_metrics_;  // with an inbox
  std::unique_ptr<ServiceContext> context_;
  std::unique_ptr<Service> service_;
  ShutdownSequence sequence_;

  std::atomic<bool> shutting_down_{false};  // readiness turns false the moment shutdown begins
  std::mutex state_mutex_;
  std::condition_variable drained_cv_;
  bool started_ = false;             // guarded by state_mutex_
  std::size_t drained_threads_ = 0;  // guarded by state_mutex_
  std::once_flag shutdown_once_;
  std::optional<Result<void>> shutdown_result_;
};

}  // namespace cafe::service
