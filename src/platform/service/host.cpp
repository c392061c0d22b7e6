#include "platform/service/host.h"

#include "platform/bus/admin_routes.h"
#include "platform/bus/outbox_relay.h"
#include "platform/bus/retention.h"
#include "platform/core/ids.h"
#include "platform/faults/faulty_bus.h"
#include "platform/faults/faulty_cache.h"
#include "platform/faults/faulty_database.h"
#include "platform/http/service.h"
#include "platform/service/clock.h"
#include "platform/service/concurrency_limiter.h"
#include "platform/service/stress_routes.h"
#include "platform/service/task_group.h"
#include "platform/telemetry/log.h"
#include "platform/telemetry/metrics.h"
#include "platform/upstream/service_client.h"

namespace cafe::service {

Host::Host(const Definition& definition, HostOptions options)
    : definition_(definition), options_(std::move(options)) {}

Result<std::unique_ptr<Host>> Host::create(const Definition& definition, const ServiceSection& section,
                                           HostOptions options) {
  std::unique_ptr<Host> host(new Host(definition, std::move(options)));
  Host& h = *host;
  const std::string& name = definition.name;
  // Kept by the host: the service may hold on to its config.
  h.config_ = section.config.has_value() ? section.config : definition.default_config();
  const std::any& config = h.config_;
  h.metrics_ = std::make_unique<telemetry::Metrics>(name);

  if (definition.database) {
    auto db = open_database(*definition.database(config), h.options_.data_dir, name);
    if (!db) return db.error();
    // Outside the fault wrapper: injected store faults trip the breaker as
    // an outage would, and it then answers fast (503 + Retry-After).
    h.database_ = sql::with_store_breaker(faults::with_faults(std::move(*db), h.faults_), {});
    std::vector<sql::Migration> migrations;
    if (definition.migrations) {
      auto own = definition.migrations();
      migrations.assign(own.begin(), own.end());
    }
    const bus::StoreTables& tables = definition.bus_tables;
    if (tables.outbox || tables.inbox || tables.idempotency) {
      auto bus_tables = bus::store_migrations(kBusTablesFirstVersion, h.database_->backend(), tables);
      if (!bus_tables) return bus_tables.error();
      migrations.insert(migrations.end(), bus_tables->begin(), bus_tables->end());
    }
    // Blocking, and fine: nothing is served yet.
    if (!migrations.empty()) {
      if (auto migrated = h.database_->migrate(migrations); !migrated) return migrated.error();
    }
  }
  if (definition.cache) h.cache_ = faults::with_faults(open_cache(*definition.cache(config)), h.faults_);
  if (definition.bus && definition.bus(config)->backend != "none") {
    BusPeers peers{.embedded_addresses = {},
                   .caller = name,
                   .admin_token = h.options_.admin_token.value_or(""),
                   .metrics = &h.metrics_->registry()};
    for (const auto& [peer, addresses] : h.options_.peers)
      if (peer == "bus") peers.embedded_addresses = addresses;
    auto opened = open_bus(*definition.bus(config), peers);
    if (!opened) return opened.error();
    h.bus_ = faults::with_faults(std::move(*opened), h.faults_);
  }
  if (auto bus_parts = h.open_bus_tables(definition, config); !bus_parts) return bus_parts.error();

  h.limits_ = std::make_unique<ConcurrencyLimits>(section.limits, *h.metrics_);
  h.tasks_ = std::make_unique<TaskGroup>();
  h.stress_ = std::make_unique<StressRunner>(h.options_.stress, *h.tasks_, *h.metrics_);

  auto client = upstream::ServiceClient::create({.caller = name, .services = h.options_.peers},
                                                &h.metrics_->registry());
  if (!client) return client.error();
  h.service_client_ = std::move(*client);

  Host* raw = host.get();
  http::ServiceOptions pipeline_options{
      .service = name,
      .replica = h.options_.replica,
      .admin_token = h.options_.admin_token,
      .access_log = h.options_.access_log,
      .ready = [raw] { return !raw->shutting_down_ && raw->service_ && raw->service_->ready(); },
      .health_detail =
          [raw](boost::json::object& out) {
            if (raw->service_) raw->service_->describe_health(out);
          },
  };
  h.pipeline_ =
      std::make_unique<http::HttpService>(std::move(pipeline_options), h.router_, *h.metrics_, h.faults_);
  h.server_ = std::make_unique<http::Server>(h.options_.server, *h.pipeline_);
  if (auto listening = h.server_->listen(); !listening) return listening.error();
  h.server_->on_drained([raw] {
    std::lock_guard lock(raw->state_mutex_);
    ++raw->drained_threads_;
    raw->drained_cv_.notify_all();
  });

  h.context_ = std::make_unique<ServiceContext>(ServiceContext::Parts{
      .service = name,
      .replica = h.options_.replica,
      .database = h.database_.get(),
      .cache = h.cache_.get(),
      .bus = h.bus_.get(),
      .outbox_relay = h.outbox_relay_.get(),
      .inbox_metrics = h.inbox_metrics_.get(),
      .metrics = h.metrics_.get(),
      .faults = &h.faults_,
      .clock = h.options_.clock ? h.options_.clock : &system_clock(),
      .tasks = h.tasks_.get(),
      .stress = h.stress_.get(),
      .limits = h.limits_.get(),
      .server = h.server_.get(),
      .service_client = h.service_client_.get(),
  });
  auto made = definition.make(*h.context_, config);
  if (!made) return made.error();
  h.service_ = std::move(*made);

  if (auto added = h.service_->add_routes(h.router_); !added) return added.error();
  if (h.bus_) {
    if (auto added = bus::add_admin_routes(h.router_, *h.bus_); !added) return added.error();
  }
  if (auto added = add_stress_routes(h.router_, *h.stress_); !added) return added.error();
  h.limits_->apply_to_routes(h.router_);
  if (auto sealed = h.pipeline_->seal(); !sealed) return sealed.error();
  return host;
}

Host::~Host() {
  if (shutdown()) return;
  // A shutdown that overran its deadline left phases undone; a process
  // exits then (serve's _Exit(3)). An owner that destroys the host anyway
  // waits here for what still runs, so nothing is freed under it.
  if (server_) server_->stop();
  if (tasks_) (void)tasks_->stop(Deadline::after(std::chrono::hours(24)));
  if (service_client_) service_client_->close_all();
  if (cache_) cache_->close();
  if (bus_) bus_->close();
  if (database_) database_->close();
  if (server_) server_->join();
}

Result<void> Host::open_bus_tables(const Definition& definition, const std::any& config) {
  const bus::StoreTables& tables = definition.bus_tables;
  if (!(tables.outbox || tables.inbox || tables.idempotency)) return {};
  const BusClientConfig bus_config = definition.bus ? *definition.bus(config) : BusClientConfig{};
  const Clock* clock = options_.clock ? options_.clock : &system_clock();
  auto retention = bus::Retention::create(*database_, {.tables = tables,
                                                       .outbox_sent = bus_config.retention_outbox_sent,
                                                       .inbox = bus_config.retention_inbox,
                                                       .idempotency = bus_config.retention_idempotency,
                                                       .batch = 1'000,
                                                       .max_batches_per_pass = 100,
                                                       .interval = bus_config.retention_interval,
                                                       .store_timeout = std::chrono::milliseconds(5'000),
                                                       .clock = clock});
  if (!retention) return retention.error();
  bus_retention_ = std::move(*retention);
  if (tables.inbox) inbox_metrics_ = std::make_unique<bus::InboxMetrics>(metrics_->registry());
  if (!tables.outbox || !bus_) return {};
  bus::OutboxRelayOptions relay;
  relay.holder = options_.replica + "-" + new_uuid_v7();
  relay.batch_size = bus_config.relay_batch;
  relay.poll_interval = bus_config.relay_poll_interval;
  relay.lease_ttl = bus_config.relay_lease_ttl;
  relay.clock = clock;
  relay.metrics = metrics_.get();
  auto made = bus::OutboxRelay::create(*database_, *bus_, std::move(relay));
  if (!made) return made.error();
  outbox_relay_ = std::move(*made);
  return {};
}

Result<void> Host::start() {
  // The kit's own background work first: the service may publish at once.
  if (bus_retention_) {
    auto spawned = tasks_->spawn(server_->executor(0), "bus-tables-retention",
                                 [r = bus_retention_.get()] { return r->run(); });
    if (!spawned) return spawned.error();
  }
  if (outbox_relay_) {
    auto spawned =
        tasks_->spawn(server_->executor(0), "outbox-relay", [r = outbox_relay_.get()] { return r->run(); });
    if (!spawned) return spawned.error();
  }
  if (auto started = service_->start(*context_); !started) return started.error();
  {
    std::lock_guard lock(state_mutex_);
    started_ = true;
  }
  server_->start();
  return {};
}

std::uint16_t Host::port() const {
  return server_->port();
}

std::string Host::address() const {
  return server_->address();
}

Result<void> Host::wait_drained(Deadline deadline) {
  std::unique_lock lock(state_mutex_);
  if (!started_ || !server_) return {};
  const std::size_t threads = server_->thread_count();
  if (drained_cv_.wait_until(lock, deadline.at(), [&] { return drained_threads_ >= threads; })) return {};
  return Error::make(ErrorCode::kDeadlineExceeded, std::to_string(threads - drained_threads_) +
                                                       " I/O thread(s) still have requests in flight (" +
                                                       std::to_string(server_->active_connections()) +
                                                       " connections open)");
}

Result<void> Host::shutdown() {
  std::call_once(shutdown_once_, [this] { shutdown_result_ = run_shutdown(); });
  return *shutdown_result_;
}

Result<void> Host::run_shutdown() {
  sequence_.add("stop_accepting", [this](Deadline) -> Result<void> {
    // Load balancers see it leave before its listeners close.
    shutting_down_ = true;
    if (service_client_) service_client_->stop();
    faults_.shut_down();
    if (server_) server_->stop();
    if (service_) service_->begin_shutdown();
    return {};
  });
  sequence_.add("drain", [this](Deadline deadline) { return wait_drained(deadline); });
  sequence_.add("stop_background", [this](Deadline deadline) -> Result<void> {
    if (service_) service_->stop_background();
    if (tasks_) return tasks_->stop(deadline);
    return {};
  });
  sequence_.add("close_clients", [this](Deadline) -> Result<void> {
    if (service_) service_->close_clients();
    // Background work has stopped: nothing calls other services any more.
    if (service_client_) service_client_->close_all();
    if (cache_) cache_->close();
    if (bus_) bus_->close();
    return {};
  });
  sequence_.add("close_database", [this](Deadline) -> Result<void> {
    if (database_) database_->close();
    return {};
  });
  sequence_.add("stop_io", [this](Deadline deadline) -> Result<void> {
    if (!server_ || server_->join_until(deadline)) return {};
    return Error::make(ErrorCode::kDeadlineExceeded, "I/O threads still have work");
  });

  const auto began = std::chrono::steady_clock::now();
  auto outcome = sequence_.run(Deadline::after(options_.shutdown_timeout, began));
  {
    std::lock_guard lock(state_mutex_);
    if (!started_) return outcome;  // a host that never served has nothing worth logging
  }
  for (const auto& phase : sequence_.report()) {
    if (!phase.done) continue;
    telemetry::log(
        telemetry::Level::kInfo, "shutdown_phase",
        {{"phase", std::string_view(phase.name)},
         {"started_ms", std::chrono::duration<double, std::milli>(phase.started - began).count()},
         {"duration_ms", std::chrono::duration<double, std::milli>(phase.ended - phase.started).count()}});
  }
  if (!outcome) {
    std::string tasks;
    if (tasks_) {
      for (const auto& t : tasks_->running()) tasks += (tasks.empty() ? "" : ", ") + t;
    }
    telemetry::log(telemetry::Level::kError, "shutdown_timed_out",
                   {{"detail", std::string_view(outcome.error().detail)},
                    {"tasks_running", std::string_view(tasks)},
                    {"connections_open", server_ ? server_->active_connections() : std::size_t{0}},
                    {"timeout_ms", options_.shutdown_timeout.count()}});
    if (!tasks.empty()) {
      Error with_tasks = outcome.error();
      with_tasks.detail += "; background tasks still running: " + tasks;
      return with_tasks;
    }
  }
  return outcome;
}

}  // namespace cafe::service
