#include "services/bus/bus_config.h"

#include "platform/config/map_reader.h"

namespace cafe::bus {

void read_config(config::MapReader& r, BusConfig& c) {
  using std::chrono::milliseconds;
  r.section("store", [&](config::MapReader& s) { service::read_sql_config(s, c.store); });
  r.field("retention_interval", c.retention_interval, milliseconds(100), milliseconds(3'600'000));
  r.field("max_waiters", c.max_waiters, std::size_t{1}, std::size_t{100'000});
  r.field("max_queues", c.max_queues, std::size_t{1}, std::size_t{100'000});
  r.field("max_streams", c.max_streams, std::size_t{1}, std::size_t{100'000});
  r.field("metrics_interval", c.metrics_interval, milliseconds(100), milliseconds(60'000));
}

}  // namespace cafe::bus
