#include "app/gateway_app.h"

#include "services/gateway/gateway.h"

namespace cafe::app {
namespace {

class GatewayApp final : public ServiceApp {
 public:
  explicit GatewayApp(std::unique_ptr<gateway::Gateway> gateway) : gateway_(std::move(gateway)) {}
  Result<void> add_routes(http::Router& router) override { return gateway_->add_routes(router); }
  bool ready() const override { return gateway_->ready(); }
  void start(http::Server& server) override { gateway_->start(server); }
  void stop() override { gateway_->stop(); }
  void describe_health(boost::json::object& out) const override { gateway_->describe_health(out); }

 private:
  std::unique_ptr<gateway::Gateway> gateway_;
};

}  // namespace

Result<std::unique_ptr<ServiceApp>> make_gateway_app(const AppConfig& config, prometheus::Registry* metrics,
                                                     faults::Registry& faults) {
  const auto& g = config.gateway;
  gateway::GatewayOptions options;
  for (const auto& r : g.routes) options.routes.push_back({r.path, r.group});
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
  auto gw = gateway::Gateway::create(std::move(options), metrics, faults);
  if (!gw) return gw.error();
  return std::unique_ptr<ServiceApp>(std::make_unique<GatewayApp>(std::move(*gw)));
}

}  // namespace cafe::app
