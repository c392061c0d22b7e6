// The menu's config section (`menu:` in the config file).
#pragma once

#include "platform/service/backend_config.h"

#include <chrono>

namespace cafe::config {
class MapReader;
}

namespace cafe::menu {

struct MenuConfig {
  service::SqlConfig store;
  service::CacheConfig cache;
  std::chrono::milliseconds refresh_interval{500};  // how soon another replica's edit is seen
  std::chrono::milliseconds cache_ttl{300'000};     // `cache.ttl`
};

// Reads the keys under `menu:`.
void read_config(config::MapReader& reader, MenuConfig& config);

}  // namespace cafe::menu
