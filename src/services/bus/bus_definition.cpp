#include "services/bus/bus_definition.h"

#include "platform/service/task_group.h"
#include "platform/telemetry/metrics.h"
#include "services/bus/api/routes.h"
#include "services/bus/bus_config.h"
#include "services/bus/bus_metrics.h"
#include "services/bus/engine/log_engine.h"
#include "services/bus/engine/log_schema.h"

namespace cafe::bus {
namespace {

namespace asio = boost::asio;

class BusService final : public service::Service {
 public:
  BusService(service::ServiceContext& context, const BusConfig& config)
      : context_(context),
        config_(config),
        engine_(context.database(), engine::EngineOptions{.max_waiters = config.max_waiters,
                                                          .max_queues = config.max_queues,
                                                          .max_streams = config.max_streams,
                                                          .now_ms = {}}),
        metrics_(context.metrics().registry()) {}

  Result<void> load() { return engine_.load(); }

  Result<void> add_routes(http::Router& router) override { return api::add_routes(router, engine_); }
  bool ready() const override { return true; }

  Result<void> start(service::ServiceContext& context) override {
    if (auto spawned =
            context.tasks().every(context.executor(0), "bus-metrics", config_.metrics_interval,
                                  [this]() -> asio::awaitable<void> { co_await refresh_metrics(); });
        !spawned)
      return spawned;
    return context.tasks().every(
        context.executor(0), "bus-retention", config_.retention_interval, [this]() -> asio::awaitable<void> {
          auto applied = co_await engine_.apply_retention(Deadline::after(config_.store.deadline));
          if (!applied) {
            context_.log(telemetry::Level::kWarn, "bus_retention_failed",
                         {{"detail", std::string_view(applied.error().detail)}});
          }
        });
  }

  asio::awaitable<void> refresh_metrics() {
    const Deadline deadline = Deadline::after(config_.metrics_interval);
    auto queues = co_await engine_.queue_stats(deadline);
    auto streams = co_await engine_.stream_stats(deadline);
    if (queues && streams)
      metrics_.update(*queues, *streams, engine_.queue_totals(), engine_.appended_totals());
  }

  // Parked long polls answer at once, so the drain is not held back.
  void begin_shutdown() override { engine_.close(); }

 private:
  service::ServiceContext& context_;
  BusConfig config_;
  engine::LogEngine engine_;
  BusMetrics metrics_;
};

Result<std::unique_ptr<service::Service>> make(service::ServiceContext& context, const BusConfig& config) {
  auto bus = std::make_unique<BusService>(context, config);
  if (auto loaded = bus->load(); !loaded) return loaded.error();
  return std::unique_ptr<service::Service>(std::move(bus));
}

}  // namespace

service::Definition definition() {
  return service::define<BusConfig>({
      .name = "bus",
      .description = "the embedded bus: queues and streams in one process with a durable SQLite log",
      .read_config = read_config,
      .database = &BusConfig::store,
      .migrations = &engine::migrations,
      .cache = nullptr,
      .cluster = {.role = service::ClusterTraits::Role::kBus, .replicas = 1},
      .make = make,
  });
}

}  // namespace cafe::bus
