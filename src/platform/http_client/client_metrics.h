// The client's Prometheus metrics. Families are built once per Client and
// handles bound once per target, so a call touches only atomics. Gauges move
// by increments, never Set(), so Clients of several I/O threads sharing a
// registry add up instead of overwriting each other (the breaker gauge is
// the exception: it shows the state last written by any thread).
#pragma once

#include "platform/http_client/client.h"

#include <array>
#include <cstddef>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <class T>
class Family;
}  // namespace prometheus

namespace cafe::http_client::detail {

// requests_total's outcome label: "ok", "status_5xx", then one per Failure.
inline constexpr std::size_t kOutcomeLabels = 9;

struct TargetMetrics {
  std::array<prometheus::Counter*, kOutcomeLabels> requests{};
  prometheus::Counter* retries = nullptr;
  prometheus::Histogram* duration = nullptr;
  prometheus::Gauge* breaker_state = nullptr;
  prometheus::Gauge* idle = nullptr;
  prometheus::Gauge* busy = nullptr;

  void count_call(const Outcome& outcome, double seconds) const;
  void count_retry() const;
  void set_breaker(resilience::CircuitBreaker::State state) const;
  void add_idle(double delta) const;
  void add_busy(double delta) const;
};

class Metrics {
 public:
  // `registry` may be null: every handle is then null and nothing is counted.
  Metrics(prometheus::Registry* registry, std::string service);

  TargetMetrics bind(const std::string& target) const;

 private:
  std::string service_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Counter>* retries_ = nullptr;
  prometheus::Family<prometheus::Histogram>* duration_ = nullptr;
  prometheus::Family<prometheus::Gauge>* breaker_ = nullptr;
  prometheus::Family<prometheus::Gauge>* connections_ = nullptr;
};

}  // namespace cafe::http_client::detail
