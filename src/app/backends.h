// Opens the configured store and cache backends for a service.
#pragma once

#include "app/config.h"
#include "platform/cache/cache.h"
#include "platform/sql/database.h"

#include <memory>
#include <string>

namespace cafe::app {

// SQLite at `sqlite_path` or `<data_dir>/<service>.db`, or PostgreSQL.
Result<std::unique_ptr<sql::Database>> open_database(const SqlConfig& config, const std::string& data_dir,
                                                     const std::string& service);
std::unique_ptr<cache::Cache> open_cache(const CacheConfig& config);

}  // namespace cafe::app
