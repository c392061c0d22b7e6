#include "platform/telemetry/http_server_metrics.h"

#include <array>
#include <atomic>
#include <cstddef>

namespace cafe::telemetry {
namespace {

// A route sees few distinct statuses (200, 201, 304, 400, 404, 409, 429,
// 503, ...); more than this go to a mutex-guarded map.
constexpr std::size_t kStatusSlots = 16;
constexpr int kOtherStatus = 0;

const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

prometheus::Gauge& build_gauge(prometheus::Registry& registry, const std::string& service, const char* name,
                               const char* help) {
  return prometheus::BuildGauge()
      .Name(name)
      .Help(help)
      .Labels({{"service", service}})
      .Register(registry)
      .Add({});
}

prometheus::Family<prometheus::Counter>& admin_failures(Metrics& metrics) {
  // Registering the same family twice returns the first.
  return prometheus::BuildCounter()
      .Name("cloudcafe_http_admin_auth_failures_total")
      .Help("Admin requests refused for a missing or wrong bearer token")
      .Labels({{"service", metrics.service()}})
      .Register(metrics.registry());
}

}  // namespace

struct HttpServerMetrics::RouteHandles {
  struct Slot {
    int status = 0;
    prometheus::Counter* counter = nullptr;
  };

  std::string route;
  std::string method;
  prometheus::Histogram* duration = nullptr;
  // slots[0, used) are immutable once published by the release store of `used`.
  std::array<Slot, kStatusSlots> slots;
  std::atomic<std::size_t> used{0};
  std::mutex mutex;                              // adding a status
  std::map<int, prometheus::Counter*> overflow;  // guarded by mutex
};

HttpServerMetrics::HttpServerMetrics(Metrics& metrics)
    : requests_(prometheus::BuildCounter()
                    .Name("cloudcafe_http_requests_total")
                    .Help("HTTP requests served, by route template, method and status")
                    .Labels({{"service", metrics.service()}})
                    .Register(metrics.registry())),
      durations_(prometheus::BuildHistogram()
                     .Name("cloudcafe_http_request_duration_seconds")
                     .Help("Time from request read to response written")
                     .Labels({{"service", metrics.service()}})
                     .Register(metrics.registry())),
      connections_active_(build_gauge(metrics.registry(), metrics.service(),
                                      "cloudcafe_http_connections_active", "Open client connections")),
      requests_in_flight_(build_gauge(metrics.registry(), metrics.service(),
                                      "cloudcafe_http_requests_in_flight", "Requests being handled")),
      admin_missing_(admin_failures(metrics).Add({{"reason", "missing"}})),
      admin_wrong_(admin_failures(metrics).Add({{"reason", "wrong"}})) {}

HttpServerMetrics::~HttpServerMetrics() = default;

HttpServerMetrics::RouteHandles& HttpServerMetrics::route(std::string_view route_template,
                                                          std::string_view method) {
  std::string key(method);
  key += ' ';
  key += route_template;
  std::lock_guard lock(routes_mutex_);
  auto found = routes_.find(key);
  if (found != routes_.end()) return *found->second;
  auto handles = std::make_unique<RouteHandles>();
  handles->route = std::string(route_template);
  handles->method = std::string(method);
  handles->duration =
      &durations_.Add({{"route", handles->route}, {"method", handles->method}}, duration_buckets());
  RouteHandles& result = *handles;
  routes_.emplace(std::move(key), std::move(handles));
  return result;
}

prometheus::Counter& HttpServerMetrics::status_counter(RouteHandles& route, int status) {
  const std::size_t used = route.used.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < used; ++i) {
    if (route.slots[i].status == status) return *route.slots[i].counter;
  }
  std::lock_guard lock(route.mutex);
  const std::size_t now_used = route.used.load(std::memory_order_relaxed);
  for (std::size_t i = used; i < now_used; ++i) {
    if (route.slots[i].status == status) return *route.slots[i].counter;
  }
  if (auto found = route.overflow.find(status); found != route.overflow.end()) return *found->second;
  prometheus::Counter& counter =
      requests_.Add({{"route", route.route},
                     {"method", route.method},
                     {"status", status == kOtherStatus ? std::string("other") : std::to_string(status)}});
  if (now_used < kStatusSlots) {
    route.slots[now_used] = {status, &counter};
    route.used.store(now_used + 1, std::memory_order_release);
  } else {
    route.overflow.emplace(status, &counter);
  }
  return counter;
}

void HttpServerMetrics::observe(RouteHandles& route, int status, double seconds) {
  if (status < 100 || status > 599) status = kOtherStatus;
  status_counter(route, status).Increment();
  route.duration->Observe(seconds);
}

}  // namespace cafe::telemetry
