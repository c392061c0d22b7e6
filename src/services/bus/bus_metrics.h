// The bus process's /metrics: depth and oldest-message age per queue,
// dead letters, records and bytes per stream, each consumer group's lag,
// and operation counts. Refreshed from the engine by a background task
// (every scrape sees values at most one refresh old).
#pragma once

#include "services/bus/engine/log_engine.h"

#include <map>
#include <string>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Gauge;
class Counter;
}  // namespace prometheus

namespace cafe::bus {

class BusMetrics {
 public:
  explicit BusMetrics(prometheus::Registry& registry);

  void update(const std::vector<QueueStats>& queues, const std::vector<StreamStats>& streams,
              const std::map<std::string, engine::LogEngine::QueueTotals>& queue_totals,
              const std::map<std::string, std::uint64_t>& appended);

 private:
  prometheus::Family<prometheus::Gauge>& messages_;
  prometheus::Family<prometheus::Gauge>& oldest_age_;
  prometheus::Family<prometheus::Gauge>& stream_records_;
  prometheus::Family<prometheus::Gauge>& stream_bytes_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Counter>& operations_;
  prometheus::Family<prometheus::Counter>& appended_;
  // What the counters were last brought up to (counters only rise).
  std::map<std::string, double> counted_;
};

}  // namespace cafe::bus
