// The request pipeline every CloudCafe service shares, in order:
//   1. identity   — X-Request-Id and traceparent validated or created
//   2. routing    — path normalised, template matched, 404/405
//   3. auth       — admin routes need the bearer token (before the body is read)
//   4. faults     — injected latency, errors, blackholes, throttling
//   5. handler    — the route's own code
//   6. telemetry  — RED metrics by route template and an access log line
// plus the built-in routes: /health/live, /health/ready, /health, /metrics
// and /admin/faults.
#pragma once

#include "platform/faults/fault.h"
#include "platform/http/auth.h"
#include "platform/http/router.h"
#include "platform/http/server.h"

#include <boost/json/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cafe::telemetry {
class Metrics;
class HttpServerMetrics;
}  // namespace cafe::telemetry

namespace cafe::http {

struct ServiceOptions {
  std::string service;  // "menu", "gateway", ...
  std::string replica;  // "menu-1"
  std::optional<std::string> admin_token;
  bool access_log = true;
  // /health/ready answers 503 while this returns false (e.g. migrations not
  // applied, no healthy upstream). Optional dependencies must not count.
  std::function<bool()> ready{};
  // Adds service-specific detail to GET /health (the gateway's groups).
  std::function<void(boost::json::object&)> health_detail{};
  // A request without X-Deadline-Ms gets this budget; one with it gets at
  // most max_deadline.
  std::chrono::milliseconds default_deadline{10'000};
  std::chrono::milliseconds max_deadline{60'000};
};

class HttpService final : public RequestHandler {
 public:
  HttpService(ServiceOptions options, Router& router, telemetry::Metrics& metrics, faults::Registry& faults);
  ~HttpService() override;

  // Adds the built-in routes and binds metric handles to every route.
  // Call once, after the service has added its own routes.
  Result<void> seal();

  Admission admit(Request& head) override;
  boost::asio::awaitable<Response> handle(Request& request) override;
  void on_transport_reject(int status) override;
  void on_connection(bool opened) override;

  const ServiceOptions& options() const noexcept { return options_; }

 private:
  Response finish(Request& request, Response response);
  boost::asio::awaitable<std::optional<Response>> apply_fault(const Request& request);

  ServiceOptions options_;
  Router& router_;
  telemetry::Metrics& metrics_;
  faults::Registry& faults_;
  AdminAuth auth_;
  std::unique_ptr<telemetry::HttpServerMetrics> http_metrics_;
  std::shared_ptr<void> unmatched_metrics_;
};

// The problem response for `error`, with the request's path and id.
Response problem_for(const Request& request, const Error& error);

}  // namespace cafe::http
