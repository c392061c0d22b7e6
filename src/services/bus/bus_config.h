// The bus process's config section (`bus:` in the config file).
#pragma once

#include "platform/service/backend_config.h"

#include <chrono>
#include <cstddef>

namespace cafe::config {
class MapReader;
}

namespace cafe::bus {

struct BusConfig {
  service::SqlConfig store;                            // the log: <data-dir>/bus.db by default
  std::chrono::milliseconds retention_interval{1000};  // how often expired records and dead letters go
  std::size_t max_waiters = 1024;                      // parked long polls per queue or stream
  std::size_t max_queues = 1024;                       // declarations beyond are refused (429)
  std::size_t max_streams = 1024;
  std::chrono::milliseconds metrics_interval{1000};  // how fresh /metrics' depths and lags are
};

// Reads the keys under `bus:`.
void read_config(config::MapReader& reader, BusConfig& config);

}  // namespace cafe::bus
