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
  // With a bus, every write publishes CatalogChanged and every replica
  // reloads on it; without one (the default), replicas poll.
  service::BusClientConfig bus{.backend = "none"};
  std::chrono::milliseconds refresh_interval{500};  // how soon another replica's edit is seen, by polling
  // With a bus the poll is only a fallback (a lost event, a bus outage).
  std::chrono::milliseconds refresh_interval_with_bus{5'000};
  std::chrono::milliseconds cache_ttl{300'000};  // `cache.ttl`
};

// Reads the keys under `menu:`.
void read_config(config::MapReader& reader, MenuConfig& config);

}  // namespace cafe::menu
