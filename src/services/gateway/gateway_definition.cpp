#include "services/gateway/gateway_definition.h"

#include "platform/telemetry/metrics.h"
#include "services/gateway/gateway.h"
#include "services/gateway/gateway_config.h"

namespace cafe::gateway {
namespace {

class GatewayService final : public service::Service {
 public:
  explicit GatewayService(std::unique_ptr<Gateway> gateway) : gateway_(std::move(gateway)) {}

  Result<void> add_routes(http::Router& router) override { return gateway_->add_routes(router); }
  bool ready() const override { return gateway_->ready(); }
  Result<void> start(service::ServiceContext& context) override {
    gateway_->start(context.server());
    return {};
  }
  void stop_background() override { gateway_->stop(); }
  void describe_health(boost::json::object& out) const override { gateway_->describe_health(out); }

 private:
  std::unique_ptr<Gateway> gateway_;
};

Result<std::unique_ptr<service::Service>> make(service::ServiceContext& context, const GatewayConfig& g) {
  GatewayOptions options;
  const auto routes = g.routes.empty() ? default_gateway_routes() : g.routes;
  for (const auto& r : routes) options.routes.push_back({r.path, r.group, r.idempotency_keys});
  options.targets = g.targets;
  options.health_path = g.health_path;
  options.health_interval = g.health_interval;
  options.health_timeout = g.health_timeout;
  options.thresholds = {.rise = g.health_rise, .fall = g.health_fall};
  options.rate_limit_enabled = g.rate_limit_enabled;
  options.rate_limit = {.rate_per_second = g.rate_limit_per_second,
                        .burst = g.rate_limit_burst,
                        .max_keys = g.rate_limit_max_clients};
  options.connect_timeout = g.upstream_connect_timeout;
  options.deadline = g.upstream_deadline;
  options.max_connections_per_target = g.upstream_max_connections;
  options.max_attempts = g.upstream_max_attempts;
  options.per_try_share = g.upstream_per_try_share;
  options.panic_threshold = g.panic_threshold;
  options.outlier = {.enabled = g.outlier_enabled,
                     .consecutive_failures = g.outlier_consecutive_failures,
                     .base_ejection = g.outlier_base_ejection,
                     .max_ejection = g.outlier_max_ejection,
                     .count_5xx = g.outlier_count_5xx};
  options.max_body_bytes = g.max_body_bytes;
  auto gw = Gateway::create(std::move(options), &context.metrics().registry(), context.faults());
  if (!gw) return gw.error();
  return std::unique_ptr<service::Service>(std::make_unique<GatewayService>(std::move(*gw)));
}

}  // namespace

service::Definition definition() {
  return service::define<GatewayConfig>({
      .name = "gateway",
      .description = "the edge: routes, health-checked target groups, retries, rate limits",
      .read_config = read_config,
      .database = nullptr,
      .migrations = {},
      .cache = nullptr,
      .cluster = {.role = service::ClusterTraits::Role::kGateway, .replicas = 1},
      .make = make,
  });
}

}  // namespace cafe::gateway
