// RED metrics of an HTTP server:
//   cloudcafe_http_requests_total{service,route,method,status}          counter
//   cloudcafe_http_request_duration_seconds{service,route,method}       histogram
//   cloudcafe_http_connections_active{service}, cloudcafe_http_requests_in_flight{service}  gauges
//   cloudcafe_http_admin_auth_failures_total{service,reason}            counter
//
// Handles are bound once per (route template, method), at route
// registration, and per status on first use, so the request path does no
// string lookup: observe() scans a small array of the statuses seen so far
// without a lock; only the first request with a new status takes a mutex.
// (prometheus-cpp 1.0's Histogram::Observe takes its own short mutex.)
//
// Thread-safe. Route handles live as long as this object.
#pragma once

#include "platform/telemetry/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace cafe::telemetry {

class HttpServerMetrics {
 public:
  struct RouteHandles;

  explicit HttpServerMetrics(Metrics& metrics);
  ~HttpServerMetrics();
  HttpServerMetrics(const HttpServerMetrics&) = delete;
  HttpServerMetrics& operator=(const HttpServerMetrics&) = delete;

  // The same object for the same (route template, method). Takes a mutex:
  // call it when routes are registered, not per request. Use templates
  // ("/api/orders/{id}"), never raw paths, or the label set grows without
  // bound.
  RouteHandles& route(std::string_view route_template, std::string_view method);

  // Counts one finished request. A status outside 100..599 is counted as
  // status="other".
  void observe(RouteHandles& route, int status, double seconds);

  void connection_opened() { connections_active_.Increment(); }
  void connection_closed() { connections_active_.Decrement(); }
  void request_started() { requests_in_flight_.Increment(); }
  void request_finished() { requests_in_flight_.Decrement(); }
  // A refused admin credential: missing (no token sent or none configured)
  // or wrong.
  void admin_auth_failed(bool wrong_token) { (wrong_token ? admin_wrong_ : admin_missing_).Increment(); }

 private:
  prometheus::Counter& status_counter(RouteHandles& route, int status);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Gauge& connections_active_;
  prometheus::Gauge& requests_in_flight_;
  prometheus::Counter& admin_missing_;
  prometheus::Counter& admin_wrong_;
  std::mutex routes_mutex_;
  std::map<std::string, std::unique_ptr<RouteHandles>, std::less<>> routes_;
};

}  // namespace cafe::telemetry
