#include "app/backends.h"

#include <filesystem>
#include <system_error>

namespace cafe::app {

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

}  // namespace cafe::app
