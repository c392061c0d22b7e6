// What consumers' inboxes decided, for /metrics:
//   cloudcafe_inbox_events_total{consumer, admission="apply"|"duplicate"|"stale"}
// A consumer counts after its transaction committed (a rolled-back
// decision did not happen). The kit makes one per service that keeps an
// inbox (ServiceContext::inbox_metrics()).
#pragma once

#include "platform/bus/inbox.h"

#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace cafe::bus {

class InboxMetrics {
 public:
  explicit InboxMetrics(prometheus::Registry& registry);
  void count(std::string_view consumer, Admission admission);

 private:
  prometheus::Family<prometheus::Counter>& family_;
  std::mutex mutex_;
  std::map<std::pair<std::string, Admission>, prometheus::Counter*, std::less<>> bound_;  // guarded by mutex_
};

}  // namespace cafe::bus
