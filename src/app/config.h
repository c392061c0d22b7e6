// CloudCafe's configuration: one YAML file (every key optional; defaults
// live here, beside the fields) with CLOUDCAFE_* environment overrides
// (CLOUDCAFE_MENU__CACHE__BACKEND=redis sets menu.cache.backend). Unknown
// keys, duplicate keys and wrong types are errors naming the key's path.
#pragma once

#include "platform/core/error.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cafe::app {

using std::chrono::milliseconds;

struct HttpConfig {
  int threads = 1;  // DESIGN §4: one I/O thread per service process
  std::size_t header_limit = std::size_t{8} * 1024;
  std::size_t max_connections = 10'000;
  milliseconds read_timeout{10'000};
  milliseconds idle_timeout{60'000};
  milliseconds write_timeout{10'000};
  milliseconds drain_timeout{10'000};
};

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
  bool access_log = true;
  std::string path;  // empty: stderr
  std::size_t queue_limit = 8192;
};

struct AdminConfig {
  std::string token_file;  // read when CLOUDCAFE_ADMIN_TOKEN is unset; must be mode 0600
};

struct SqlConfig {
  std::string backend = "sqlite";  // sqlite | postgres
  std::string sqlite_path;         // empty: <data-dir>/<service>.db
  int sqlite_reader_threads = 2;
  std::string postgres_conninfo;  // libpq connection string
  int postgres_pool_size = 4;
  milliseconds postgres_connect_timeout{3000};
  milliseconds postgres_statement_timeout{5000};
};

struct CacheConfig {
  std::string backend = "memory";  // memory | redis
  std::size_t memory_max_entries = 10'000;
  std::size_t memory_max_bytes = 64u << 20;
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  milliseconds redis_connect_timeout{500};
  milliseconds redis_command_timeout{200};
  std::string redis_key_prefix = "cloudcafe:";
};

struct MenuConfig {
  SqlConfig store;
  CacheConfig cache;
  milliseconds refresh_interval{500};  // how soon another replica's edit is seen
  milliseconds cache_ttl{300'000};
};

struct GatewayRoute {
  std::string path;   // template, e.g. "/api/menu/**"
  std::string group;  // target group name
};

struct GatewayConfig {
  std::vector<GatewayRoute> routes;  // empty: the built-in route table
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

struct AppConfig {
  HttpConfig http;
  LogConfig log;
  AdminConfig admin;
  MenuConfig menu;
  GatewayConfig gateway;
};

// The built-in gateway route table (API.md routing): every service's paths.
std::vector<GatewayRoute> default_gateway_routes();

// Parses YAML text (empty text: all defaults) and applies `environment`
// overrides ("NAME=VALUE" strings).
Result<AppConfig> parse_config(std::string_view yaml, std::string source_name,
                               std::span<const std::string> environment);

// Reads `path` (or only the environment, when path is empty).
Result<AppConfig> load_config(const std::string& path);

// The admin token: CLOUDCAFE_ADMIN_TOKEN, else the token file (which must
// not be readable by group or others). nullopt when neither is set.
Result<std::optional<std::string>> load_admin_token(const AdminConfig& admin);

}  // namespace cafe::app
