// A service's concurrency limits (`<service>.limits`), read by the kit for
// every registered service:
//
//   menu:
//     limits:
//       max_in_flight_per_route: 1000      # every route without its own entry
//       max_in_flight_per_dependency: 256  # every dependency without its own entry
//       routes: {"/api/menu/items/{item_id}": {max_in_flight: 200}}
//       dependencies: {store: {max_in_flight: 64}}
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace cafe::config {
class MapReader;
}

namespace cafe::service {

struct LimitsConfig {
  // Each in-flight request holds a connection, so these bound what a slow
  // route or dependency can hold up; well under http.max_connections.
  std::size_t route_max_in_flight = 1000;
  std::size_t dependency_max_in_flight = 256;
  std::map<std::string, std::size_t, std::less<>> routes;        // route template -> limit
  std::map<std::string, std::size_t, std::less<>> dependencies;  // dependency name -> limit
};

// Reads the keys of a `limits:` mapping.
void read_limits_config(config::MapReader& reader, LimitsConfig& config);

}  // namespace cafe::service
