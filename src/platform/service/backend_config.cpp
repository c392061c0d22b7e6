#include "platform/service/backend_config.h"

#include "platform/bus/embedded_bus.h"
#include "platform/bus/nats_bus.h"
#include "platform/config/map_reader.h"

#include <filesystem>
#include <system_error>

namespace cafe::service {
namespace {

constexpr milliseconds kMs{1};

}  // namespace

void read_sql_config(config::MapReader& r, SqlConfig& c) {
  r.one_of("backend", c.backend, {"sqlite", "postgres"});
  r.field("deadline", c.deadline, 10 * kMs, milliseconds(600'000));
  r.section("sqlite", [&](config::MapReader& s) {
    s.field("path", c.sqlite_path).field("reader_threads", c.sqlite_reader_threads, 1, 16);
  });
  r.section("postgres", [&](config::MapReader& p) {
    p.field("conninfo", c.postgres_conninfo)
        .field("pool_size", c.postgres_pool_size, 1, 64)
        .field("connect_timeout", c.postgres_connect_timeout, 100 * kMs, milliseconds(60'000))
        .field("statement_timeout", c.postgres_statement_timeout, 10 * kMs, milliseconds(600'000));
  });
}

void read_cache_config(config::MapReader& r, CacheConfig& c) {
  r.one_of("backend", c.backend, {"memory", "redis"});
  r.section("memory", [&](config::MapReader& m) {
    m.field("max_entries", c.memory_max_entries, 1, 10'000'000)
        .field("max_bytes", c.memory_max_bytes, 1024, std::size_t{16} << 30);
  });
  r.section("redis", [&](config::MapReader& m) {
    m.field("host", c.redis_host)
        .field("port", c.redis_port, 1, 65535)
        .field("connect_timeout", c.redis_connect_timeout, 10 * kMs, milliseconds(60'000))
        .field("command_timeout", c.redis_command_timeout, kMs, milliseconds(60'000))
        .field("key_prefix", c.redis_key_prefix);
  });
}

void read_bus_client_config(config::MapReader& r, BusClientConfig& c) {
  r.one_of("backend", c.backend, {"embedded", "nats", "none"});
  r.field("connect_timeout", c.connect_timeout, 10 * kMs, milliseconds(60'000));
  r.section("nats", [&](config::MapReader& s) { s.field("url", c.nats_url); });
  r.section("relay", [&](config::MapReader& s) {
    s.field("batch", c.relay_batch, 1, 500)
        .field("poll_interval", c.relay_poll_interval, 10 * kMs, milliseconds(60'000))
        .field("lease_ttl", c.relay_lease_ttl, milliseconds(1000), milliseconds(600'000));
  });
  r.section("retention", [&](config::MapReader& s) {
    const milliseconds year{std::chrono::hours(24 * 365)};
    s.field("outbox_sent", c.retention_outbox_sent, milliseconds(60'000), year)
        .field("inbox", c.retention_inbox, milliseconds(60'000), year)
        .field("idempotency", c.retention_idempotency, milliseconds(60'000), year)
        .field("interval", c.retention_interval, milliseconds(100), milliseconds(3'600'000));
  });
}

Result<std::unique_ptr<sql::Database>> open_database(const SqlConfig& config, const std::string& data_dir,
                                                     const std::string& service) {
  if (config.backend == "postgres") {
    if (config.postgres_conninfo.empty()) {
      return Error::invalid(service + ".store.postgres.conninfo is required when the backend is postgres");
    }
    sql::PostgresOptions options;
    options.conninfo = config.postgres_conninfo;
    options.pool_size = config.postgres_pool_size;
    options.connect_timeout = config.postgres_connect_timeout;
    options.statement_timeout = config.postgres_statement_timeout;
    options.default_deadline = config.deadline;
    // The host puts the breaker outside the fault wrapper, so that injected
    // store faults trip it as a real outage would.
    options.breaker.failures_to_open = 0;
    return sql::open_postgres(options);
  }
  sql::SqliteOptions options;
  options.path = config.sqlite_path;
  if (options.path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return Error::unavailable("cannot create data directory " + data_dir + ": " + ec.message());
    options.path = (std::filesystem::path(data_dir) / (service + ".db")).string();
  }
  options.reader_threads = config.sqlite_reader_threads;
  options.default_deadline = config.deadline;
  options.breaker.failures_to_open = 0;
  return sql::open_sqlite(options);
}

std::unique_ptr<cache::Cache> open_cache(const CacheConfig& config) {
  if (config.backend == "redis") {
    cache::RedisOptions options;
    options.host = config.redis_host;
    options.port = config.redis_port;
    options.connect_timeout = config.redis_connect_timeout;
    options.command_timeout = config.redis_command_timeout;
    options.key_prefix = config.redis_key_prefix;
    return cache::make_redis_cache(options);
  }
  return cache::make_memory_cache(
      {.max_entries = config.memory_max_entries, .max_bytes = config.memory_max_bytes});
}

}  // namespace cafe::service

namespace cafe::service {

Result<std::unique_ptr<bus::Bus>> open_bus(const BusClientConfig& config, const BusPeers& peers) {
  if (config.backend == "nats") {
    bus::NatsBusOptions options;
    options.url = config.nats_url;
    options.connect_timeout = std::max(config.connect_timeout, milliseconds(1000));
    return bus::open_nats_bus(options);
  }
  if (peers.embedded_addresses.empty())
    return Error::invalid("the embedded bus needs its address: set peers.bus.addresses");
  return bus::open_embedded_bus({.addresses = peers.embedded_addresses,
                                 .caller = peers.caller,
                                 .admin_token = peers.admin_token,
                                 .connect_timeout = config.connect_timeout,
                                 .max_connections = 64,
                                 .metrics = peers.metrics});
}

}  // namespace cafe::service
