#include "platform/http_client/client_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace cafe::http_client::detail {
namespace {

constexpr std::array<const char*, kOutcomeLabels> kOutcomeNames = {
    "ok",      "status_5xx", "connect",  "breaker_open", "pool_exhausted",
    "timeout", "reset",      "protocol", "too_large"};

std::size_t outcome_index(const Outcome& o) {
  if (o.failure == Failure::kNone) return o.response.status >= 500 ? 1 : 0;
  return static_cast<std::size_t>(o.failure) + 1;
}

}  // namespace

Metrics::Metrics(prometheus::Registry* registry, std::string service) : service_(std::move(service)) {
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("cloudcafe_http_client_requests_total")
                   .Help("Outbound HTTP calls by outcome (after retries)")
                   .Register(*registry);
  retries_ = &prometheus::BuildCounter()
                  .Name("cloudcafe_http_client_retries_total")
                  .Help("Outbound HTTP retries spent")
                  .Register(*registry);
  duration_ = &prometheus::BuildHistogram()
                   .Name("cloudcafe_http_client_request_duration_seconds")
                   .Help("Outbound HTTP call duration, retries included")
                   .Register(*registry);
  breaker_ = &prometheus::BuildGauge()
                  .Name("cloudcafe_circuit_breaker_state")
                  .Help("Circuit breaker state: 0 closed, 1 half-open, 2 open")
                  .Register(*registry);
  connections_ = &prometheus::BuildGauge()
                      .Name("cloudcafe_http_client_connections")
                      .Help("Pooled outbound connections by state")
                      .Register(*registry);
}

TargetMetrics Metrics::bind(const std::string& target) const {
  TargetMetrics m;
  if (requests_ == nullptr) return m;
  for (std::size_t i = 0; i < kOutcomeLabels; ++i) {
    m.requests[i] =
        &requests_->Add({{"service", service_}, {"target", target}, {"outcome", kOutcomeNames[i]}});
  }
  m.retries = &retries_->Add({{"service", service_}, {"target", target}});
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  m.duration = &duration_->Add({{"service", service_}, {"target", target}}, kBuckets);
  m.breaker_state = &breaker_->Add({{"service", service_}, {"target", target}});
  m.idle = &connections_->Add({{"service", service_}, {"target", target}, {"state", "idle"}});
  m.busy = &connections_->Add({{"service", service_}, {"target", target}, {"state", "busy"}});
  return m;
}

void TargetMetrics::count_call(const Outcome& outcome, double seconds) const {
  if (duration == nullptr) return;
  requests[outcome_index(outcome)]->Increment();
  duration->Observe(seconds);
}

void TargetMetrics::count_retry() const {
  if (retries != nullptr) retries->Increment();
}

void TargetMetrics::set_breaker(resilience::CircuitBreaker::State state) const {
  if (breaker_state != nullptr) breaker_state->Set(static_cast<double>(state));
}

void TargetMetrics::add_idle(double delta) const {
  if (idle != nullptr) idle->Increment(delta);
}

void TargetMetrics::add_busy(double delta) const {
  if (busy != nullptr) busy->Increment(delta);
}

}  // namespace cafe::http_client::detail
