#include "services/bus/bus_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace cafe::bus {

BusMetrics::BusMetrics(prometheus::Registry& registry)
    : messages_(prometheus::BuildGauge()
                    .Name("cloudcafe_bus_queue_messages")
                    .Help("Messages per queue and state: ready (visible or delayed), in_flight, dead")
                    .Register(registry)),
      oldest_age_(prometheus::BuildGauge()
                      .Name("cloudcafe_bus_queue_oldest_message_age_seconds")
                      .Help("Age of the oldest message not yet acked or dead-lettered")
                      .Register(registry)),
      stream_records_(prometheus::BuildGauge()
                          .Name("cloudcafe_bus_stream_records")
                          .Help("Records retained per stream")
                          .Register(registry)),
      stream_bytes_(prometheus::BuildGauge()
                        .Name("cloudcafe_bus_stream_bytes")
                        .Help("Bytes retained per stream (bodies, keys, ids and per-record overhead)")
                        .Register(registry)),
      lag_(prometheus::BuildGauge()
               .Name("cloudcafe_bus_consumer_group_lag_records")
               .Help("Newest offset of the stream minus the group's committed offset")
               .Register(registry)),
      operations_(prometheus::BuildCounter()
                      .Name("cloudcafe_bus_queue_operations_total")
                      .Help("Messages sent, received, acked, dead-lettered and redriven per queue")
                      .Register(registry)),
      appended_(prometheus::BuildCounter()
                    .Name("cloudcafe_bus_stream_records_appended_total")
                    .Help("Records appended per stream")
                    .Register(registry)) {}

void BusMetrics::update(const std::vector<QueueStats>& queues, const std::vector<StreamStats>& streams,
                        const std::map<std::string, engine::LogEngine::QueueTotals>& queue_totals,
                        const std::map<std::string, std::uint64_t>& appended) {
  for (const auto& q : queues) {
    messages_.Add({{"queue", q.name}, {"state", "ready"}}).Set(static_cast<double>(q.ready));
    messages_.Add({{"queue", q.name}, {"state", "in_flight"}}).Set(static_cast<double>(q.in_flight));
    messages_.Add({{"queue", q.name}, {"state", "dead"}}).Set(static_cast<double>(q.dead));
    oldest_age_.Add({{"queue", q.name}}).Set(static_cast<double>(q.oldest_age_ms) / 1000.0);
  }
  for (const auto& s : streams) {
    stream_records_.Add({{"stream", s.name}}).Set(static_cast<double>(s.records));
    stream_bytes_.Add({{"stream", s.name}}).Set(static_cast<double>(s.bytes));
    for (const auto& [group, committed] : s.groups) {
      const double lag = s.last_offset > committed ? static_cast<double>(s.last_offset - committed) : 0.0;
      lag_.Add({{"stream", s.name}, {"group", group}}).Set(lag);
    }
  }
  auto bring_up = [this](prometheus::Counter& counter, const std::string& key, std::uint64_t total) {
    double& counted = counted_[key];
    const auto value = static_cast<double>(total);
    if (value > counted) {
      counter.Increment(value - counted);
      counted = value;
    }
  };
  for (const auto& [queue, t] : queue_totals) {
    const std::pair<const char*, std::uint64_t> ops[] = {{"sent", t.sent},
                                                         {"received", t.received},
                                                         {"acked", t.acked},
                                                         {"dead_lettered", t.dead_lettered},
                                                         {"redriven", t.redriven}};
    for (const auto& [op, total] : ops)
      bring_up(operations_.Add({{"queue", queue}, {"op", op}}), "q/" + queue + "/" + op, total);
  }
  for (const auto& [stream, total] : appended)
    bring_up(appended_.Add({{"stream", stream}}), "s/" + stream, total);
}

}  // namespace cafe::bus
