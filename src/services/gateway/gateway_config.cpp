#include "services/gateway/gateway_config.h"

#include "platform/config/map_reader.h"

namespace cafe::gateway {

std::vector<GatewayRoute> default_gateway_routes() {
  return {
      {"/api/menu/**", "menu"},           {"/api/stores", "menu"},
      {"/api/stores/**", "menu"},         {"/api/stores/{store_id}/queue", "order"},
      {"/api/orders/**", "order", true},  {"/api/inventory/**", "inventory"},
      {"/api/payments/**", "payment"},    {"/api/loyalty/**", "loyalty"},
      {"/api/analytics/**", "analytics"}, {"/api/stress/menu-sync", "menu"},
  };
}

void read_config(config::MapReader& r, GatewayConfig& c) {
  constexpr milliseconds kMs{1};
  if (r.has("routes")) c.routes.clear();
  r.list("routes", [&](config::MapReader& route) {
    GatewayRoute entry;
    route.required("path")
        .required("group")
        .field("path", entry.path)
        .field("group", entry.group)
        .field("idempotency_keys", entry.idempotency_keys);
    c.routes.push_back(std::move(entry));
  });
  r.each("targets", [&](std::string_view group, config::MapReader& g) {
    std::vector<std::string> addresses;
    g.required("addresses").field("addresses", addresses);
    c.targets.emplace_back(std::string(group), std::move(addresses));
  });
  r.section("health_check", [&](config::MapReader& h) {
    h.field("path", c.health_path)
        .field("interval", c.health_interval, 10 * kMs, milliseconds(600'000))
        .field("timeout", c.health_timeout, kMs, milliseconds(60'000))
        .field("rise", c.health_rise, 1, 100)
        .field("fall", c.health_fall, 1, 100);
  });
  r.section("rate_limit", [&](config::MapReader& l) {
    l.field("enabled", c.rate_limit_enabled)
        .field("per_second", c.rate_limit_per_second, 0.001, 1e9)
        .field("burst", c.rate_limit_burst, 1, 1e9)
        .field("max_clients", c.rate_limit_max_clients, 1, 10'000'000);
  });
  r.field("panic_threshold", c.panic_threshold, 0.0, 1.0);
  r.section("outlier_detection", [&](config::MapReader& o) {
    o.field("enabled", c.outlier_enabled)
        .field("consecutive_failures", c.outlier_consecutive_failures, 1, 1000)
        .field("base_ejection", c.outlier_base_ejection, 10 * kMs, milliseconds(600'000))
        .field("max_ejection", c.outlier_max_ejection, 10 * kMs, milliseconds(3'600'000))
        .field("count_5xx", c.outlier_count_5xx);
  });
  r.section("upstream", [&](config::MapReader& u) {
    u.field("connect_timeout", c.upstream_connect_timeout, kMs, milliseconds(60'000))
        .field("deadline", c.upstream_deadline, kMs, milliseconds(600'000))
        .field("max_connections", c.upstream_max_connections, 1, 100'000)
        .field("max_attempts", c.upstream_max_attempts, 1, 5)
        .field("per_try_share", c.upstream_per_try_share, 0.05, 1.0)
        .field("max_body_bytes", c.max_body_bytes, 1024, std::size_t{64} << 20);
  });
}

}  // namespace cafe::gateway
