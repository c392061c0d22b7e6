// The store and cache a service may ask the kit for: their config sections
// (`<service>.store`, `<service>.cache`), readers for them, and opening them.
// A service's config struct holds these as members; its Definition points
// the kit at them, and the kit opens, fault-wraps and migrates the backends
// before the service's factory runs.
#pragma once

#include "platform/cache/cache.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace cafe::config {
class MapReader;
}
namespace cafe::bus {
class Bus;
}
namespace prometheus {
class Registry;
}

namespace cafe::service {

using std::chrono::milliseconds;

struct SqlConfig {
  std::string backend = "sqlite";  // sqlite | postgres
  // The budget of a store call made outside any request (refreshers,
  // relays); a request's calls get what is left of its own deadline.
  milliseconds deadline{2000};
  std::string sqlite_path;  // empty: <data-dir>/<service>.db
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

// Which bus a service's queues and streams live on (`<service>.bus`). The
// embedded bus process is found like any other service: `peers.bus`.
struct BusClientConfig {
  // none: this deployment runs the service without a bus (it must then
  // work without one: ServiceContext::has_bus()).
  std::string backend = "embedded";  // embedded | nats | none
  milliseconds connect_timeout{300};
  std::string nats_url = "nats://127.0.0.1:4222";  // `nats: {url: ...}`
  // The outbox relay (services that keep an outbox).
  std::size_t relay_batch = 100;
  milliseconds relay_poll_interval{250};
  milliseconds relay_lease_ttl{15'000};
  // How long the outbox, inbox and idempotency rows are kept (`retention:`).
  milliseconds retention_outbox_sent{std::chrono::hours(72)};
  milliseconds retention_inbox{std::chrono::hours(24 * 15)};
  milliseconds retention_idempotency{std::chrono::hours(24)};
  milliseconds retention_interval{60'000};
};

// Read the keys of a `store:` / `cache:` / `bus:` mapping (the caller opens the section).
void read_sql_config(config::MapReader& reader, SqlConfig& config);
void read_cache_config(config::MapReader& reader, CacheConfig& config);
void read_bus_client_config(config::MapReader& reader, BusClientConfig& config);

// SQLite at `sqlite_path` or `<data_dir>/<service>.db`, or PostgreSQL.
Result<std::unique_ptr<sql::Database>> open_database(const SqlConfig& config, const std::string& data_dir,
                                                     const std::string& service);
std::unique_ptr<cache::Cache> open_cache(const CacheConfig& config);

struct BusPeers {
  std::vector<std::string> embedded_addresses;  // peers.bus
  std::string caller;                           // the service's name, for client metrics
  std::string admin_token;                      // for the bus's admin calls (depths, dead letters)
  prometheus::Registry* metrics = nullptr;
};
Result<std::unique_ptr<bus::Bus>> open_bus(const BusClientConfig& config, const BusPeers& peers);

}  // namespace cafe::service
