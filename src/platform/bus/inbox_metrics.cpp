#include "platform/bus/inbox_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace cafe::bus {

InboxMetrics::InboxMetrics(prometheus::Registry& registry)
    : family_(
          prometheus::BuildCounter()
              .Name("cloudcafe_inbox_events_total")
              .Help(
                  "Events a consumer's inbox admitted (apply) or skipped (duplicate: seen before; stale: an "
                  "older version than one applied)")
              .Register(registry)) {}

void InboxMetrics::count(std::string_view consumer, Admission admission) {
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(mutex_);
    auto key = std::pair{std::string(consumer), admission};
    auto it = bound_.find(key);
    if (it == bound_.end()) {
      auto& c = family_.Add({{"consumer", key.first}, {"admission", to_string(admission)}});
      it = bound_.emplace(std::move(key), &c).first;
    }
    counter = it->second;
  }
  counter->Increment();
}

}  // namespace cafe::bus
