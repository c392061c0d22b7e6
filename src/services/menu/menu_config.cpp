#include "services/menu/menu_config.h"

#include "platform/config/map_reader.h"

namespace cafe::menu {

void read_config(config::MapReader& r, MenuConfig& c) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  r.section("store", [&](config::MapReader& s) { service::read_sql_config(s, c.store); });
  r.section("cache", [&](config::MapReader& s) {
    service::read_cache_config(s, c.cache);
    s.field("ttl", c.cache_ttl, milliseconds(1000), hours(24));
  });
  r.section("bus", [&](config::MapReader& s) { service::read_bus_client_config(s, c.bus); });
  r.field("refresh_interval", c.refresh_interval, milliseconds(10), milliseconds(600'000));
  r.field("refresh_interval_with_bus", c.refresh_interval_with_bus, milliseconds(10),
          milliseconds(3'600'000));
}

}  // namespace cafe::menu
