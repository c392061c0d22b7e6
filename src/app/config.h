// CloudCafe's configuration: one YAML file (every key optional; defaults
// live beside the fields: here for the process, in each service's folder
// for its section) with CLOUDCAFE_* environment overrides
// (CLOUDCAFE_MENU__CACHE__BACKEND=redis sets menu.cache.backend). Unknown
// keys, duplicate keys and wrong types are errors naming the key's path.
#pragma once

#include "cluster/cluster_config.h"
#include "platform/core/error.h"
#include "platform/service/registry.h"

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

// The shutdown's final deadline, from SIGTERM to the end of its last phase
// (drain, background tasks, clients, database). Past it the process logs
// what still runs and exits non-zero. Longer than http.drain_timeout.
struct ShutdownConfig {
  milliseconds timeout{15'000};
};

struct StressConfig {
  int max_threads = 0;  // threads of a stress run; 0: one per core (at most 16)
};

// Other services a service calls, and where (`peers: {inventory:
// {addresses: ["127.0.0.1:8083"]}}`); the cluster's discovery adds more.
using PeersConfig = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct AppConfig {
  HttpConfig http;
  PeersConfig peers;
  LogConfig log;
  AdminConfig admin;
  ShutdownConfig shutdown;
  StressConfig stress;
  // `cloudcafe up`: replicas, nodes, ports, restarts (services ignore it).
  cluster::ClusterConfig cluster;
  // One section per registered service (`menu:`, `gateway:`, ...), each
  // with its own typed config and its `limits`.
  service::Sections services;

  // The typed config of service `name` (its defaults until set).
  template <class Config>
  Config& service(std::string_view name) {
    return services.get<Config>(name);
  }
};

// Parses YAML text (empty text: all defaults) and applies `environment`
// overrides ("NAME=VALUE" strings). Service sections are those of
// app::services().
Result<AppConfig> parse_config(std::string_view yaml, std::string source_name,
                               std::span<const std::string> environment);

// Reads `path` (or only the environment, when path is empty).
Result<AppConfig> load_config(const std::string& path);

// The admin token: CLOUDCAFE_ADMIN_TOKEN, else the token file (which must
// not be readable by group or others). nullopt when neither is set.
Result<std::optional<std::string>> load_admin_token(const AdminConfig& admin);

}  // namespace cafe::app
