#include "support/menu_backends.h"

#include "support/postgres_server.h"
#include "support/redis_server.h"

#include <gtest/gtest.h>

namespace cafe::test {

std::string backend_name(const MenuBackends& b) {
  return b.store + "_" + b.cache;
}

bool configure_backends(const MenuBackends& backends, app::AppConfig& config,
                        const std::string& database_name) {
  auto& menu_config = config.service<menu::MenuConfig>("menu");
  if (backends.store == "postgres") {
    PostgresServer* pg = PostgresServer::start_or_skip();
    if (!pg) return false;
    auto conninfo = pg->create_database(database_name);
    if (!conninfo) {
      ADD_FAILURE() << "create database " << database_name << ": " << conninfo.error().detail;
      return false;
    }
    menu_config.store.backend = "postgres";
    menu_config.store.postgres_conninfo = *conninfo;
  }
  if (backends.cache == "redis") {
    RedisServer* redis = RedisServer::start_or_skip();
    if (!redis) return false;
    menu_config.cache.backend = "redis";
    menu_config.cache.redis_port = redis->port();
    // Each test gets its own keys: several tests share one Redis.
    menu_config.cache.redis_key_prefix = "test:" + database_name + ":";
  }
  return true;
}

}  // namespace cafe::test
