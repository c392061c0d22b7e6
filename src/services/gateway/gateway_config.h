// The gateway's config section (`gateway:` in the config file).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace cafe::config {
class MapReader;
}

namespace cafe::gateway {

using std::chrono::milliseconds;

struct GatewayRoute {
  std::string path;   // template, e.g. "/api/menu/**"
  std::string group;  // target group name
  // The service deduplicates POSTs by Idempotency-Key, so a keyed request
  // whose connection broke may be sent to another replica.
  bool idempotency_keys = false;
};

// The built-in route table (API.md routing): every service's paths.
std::vector<GatewayRoute> default_gateway_routes();

struct GatewayConfig {
  std::vector<GatewayRoute> routes = default_gateway_routes();  // `routes:` replaces the whole table
  // Target group name -> "host:port" list (`targets: {menu: {addresses: [...]}}`).
  // Static until the cluster adds discovery.
  std::vector<std::pair<std::string, std::vector<std::string>>> targets;
  std::string health_path = "/health/ready";
  milliseconds health_interval{1000};
  milliseconds health_timeout{500};
  int health_rise = 2;  // consecutive passes to mark a target up
  int health_fall = 2;  // consecutive failures to mark it down
  bool rate_limit_enabled = true;
  double rate_limit_per_second = 1000;  // per client key
  double rate_limit_burst = 2000;
  std::size_t rate_limit_max_clients = 100'000;
  milliseconds upstream_connect_timeout{500};
  milliseconds upstream_deadline{10'000};
  std::size_t upstream_max_connections = 256;  // per target, per I/O thread
  int upstream_max_attempts = 2;               // attempts that reached a target
  double upstream_per_try_share = 0.5;         // per-try timeout: this share of what is left
  double panic_threshold = 0.5;                // fewer in rotation than this share: route to all
  bool outlier_enabled = true;
  int outlier_consecutive_failures = 5;
  milliseconds outlier_base_ejection{1'000};
  milliseconds outlier_max_ejection{30'000};
  bool outlier_count_5xx = false;
  std::size_t max_body_bytes = 1u << 20;
};

// Reads the keys under `gateway:`.
void read_config(config::MapReader& reader, GatewayConfig& config);

}  // namespace cafe::gateway
