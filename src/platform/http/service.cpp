#include "platform/http/service.h"

#include "platform/core/ids.h"
#include "platform/faults/inject.h"
#include "platform/http/fault_routes.h"
#include "platform/http/identity.h"
#include "platform/http/path.h"
#include "platform/http/problem.h"
#include "platform/telemetry/http_server_metrics.h"
#include "platform/telemetry/log.h"
#include "platform/telemetry/metrics.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace cafe::http {

namespace asio = boost::asio;

namespace {

void assign_identity(Request& req) {
  auto incoming = req.headers.get("X-Request-Id");
  req.request_id = incoming && is_valid_request_id(*incoming) ? std::string(*incoming) : new_uuid_v7();
  auto parent = req.headers.get("traceparent");
  auto trace = parent ? parse_traceparent(*parent) : std::nullopt;
  req.trace_id = trace ? std::move(trace->trace_id) : new_trace_id();
  req.span_id = new_span_id();
}

bool exempt_from_faults(std::string_view pattern) {
  // Operators must always be able to see health and remove faults.
  return pattern.starts_with("/admin") || pattern.starts_with("/health") || pattern == "/metrics";
}

}  // namespace

namespace {

// The caller's budget from X-Deadline-Ms (whole milliseconds), capped; a
// missing or malformed value gets the default, as an invalid request id is
// replaced rather than refused.
Deadline deadline_for(const Request& req, const ServiceOptions& options) {
  auto budget = options.default_deadline;
  if (const auto header = req.headers.get("X-Deadline-Ms");
      header && !header->empty() && header->size() <= 9) {
    std::int64_t ms = 0;
    const auto [ptr, ec] = std::from_chars(header->data(), header->data() + header->size(), ms);
    if (ec == std::errc() && ptr == header->data() + header->size() && ms >= 0) {
      budget = std::min(std::chrono::milliseconds(ms), options.max_deadline);
    }
  }
  return Deadline(req.received_at + budget);
}

}  // namespace

Response problem_for(const Request& request, const Error& error) {
  return problem(error, request.path, request.request_id);
}

HttpService::HttpService(ServiceOptions options, Router& router, telemetry::Metrics& metrics,
                         faults::Registry& faults)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      faults_(faults),
      auth_(options_.admin_token),
      http_metrics_(std::make_unique<telemetry::HttpServerMetrics>(metrics)) {}

HttpService::~HttpService() = default;

Result<void> HttpService::seal() {
  auto json_ok = [](std::string body) { return Response::json(200, std::move(body)); };
  auto add = [&](Method m, std::string_view pattern, Handler h, RouteOptions o = {}) -> Result<void> {
    return router_.add(m, pattern, std::move(h), o);
  };
  const std::string service = options_.service;
  const std::string replica = options_.replica;
  if (auto r = add(
          Method::kGet, "/health/live",
          [json_ok](Request&) -> asio::awaitable<Response> { co_return json_ok(R"({"status":"live"})"); });
      !r) {
    return r;
  }
  if (auto r = add(Method::kGet, "/health/ready",
                   [this](Request& req) -> asio::awaitable<Response> {
                     if (!options_.ready || options_.ready())
                       co_return Response::json(200, R"({"status":"ready"})");
                     co_return problem(503, "not ready", req.path, req.request_id);
                   });
      !r) {
    return r;
  }
  // The reference's clients poll GET /health and expect this shape.
  if (auto r = add(Method::kGet, "/health",
                   [this, service, replica](Request&) -> asio::awaitable<Response> {
                     const bool ready = !options_.ready || options_.ready();
                     boost::json::object body{{"status", ready ? "healthy" : "unhealthy"},
                                              {"service", service},
                                              {"replica", replica}};
                     if (options_.health_detail) options_.health_detail(body);
                     co_return Response::json(ready ? 200 : 503, boost::json::serialize(body));
                   });
      !r) {
    return r;
  }
  if (auto r = add(Method::kGet, "/metrics",
                   [this](Request&) -> asio::awaitable<Response> {
                     co_return Response::text(200, metrics_.render(),
                                              "text/plain; version=0.0.4; charset=utf-8");
                   });
      !r) {
    return r;
  }
  if (auto r = add_fault_routes(router_, faults_); !r) return r;

  for (Route* route : router_.routes()) {
    auto& handles = http_metrics_->route(route->pattern, to_string(route->method));
    route->metrics = std::shared_ptr<void>(std::shared_ptr<void>{}, &handles);
  }
  unmatched_metrics_ =
      std::shared_ptr<void>(std::shared_ptr<void>{}, &http_metrics_->route("unmatched", "ANY"));
  return {};
}

Admission HttpService::admit(Request& req) {
  assign_identity(req);
  req.deadline = deadline_for(req, options_);
  auto reject = [&](Response r) {
    Admission a;
    a.reject = finish(req, std::move(r));
    return a;
  };
  auto parts = split_target(req.target);
  if (!parts) return reject(problem(parts.error(), {}, req.request_id));
  auto path = normalize_path(parts->path);
  if (!path) return reject(problem(path.error(), {}, req.request_id));
  req.path = std::move(*path);
  req.query = std::string(parts->query);
  if (req.query.size() > 4096) {
    return reject(problem(414, "the query string exceeds 4096 bytes", req.path, req.request_id));
  }

  auto match = router_.match(req.method, req.path);
  if (match.kind == Router::Match::Kind::kNotFound) {
    return reject(problem(404, "no route for " + req.path, req.path, req.request_id));
  }
  if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
    Response r = problem(405, req.method_text + " is not allowed here", req.path, req.request_id);
    r.headers.add("Allow", match.allow);
    return reject(std::move(r));
  }
  req.matched = match.route;
  req.route = match.route->pattern;
  req.params = std::move(match.params);
  if (match.route->options.access == Access::kAdmin) {
    if (auto ok = auth_.check(req.headers.get("Authorization")); !ok) {
      const bool wrong = ok.error().code == ErrorCode::kPermissionDenied;
      http_metrics_->admin_auth_failed(wrong);
      telemetry::log(telemetry::Level::kWarn, "admin_auth_failed",
                     {{"reason", std::string_view(wrong ? "wrong token" : "missing token")},
                      {"method", std::string_view(req.method_text)},
                      {"route", std::string_view(req.route)},
                      {"remote", std::string_view(req.remote_address)},
                      {"request_id", std::string_view(req.request_id)}});
      Response r = problem_for(req, ok.error());
      if (ok.error().code == ErrorCode::kUnauthenticated) r.headers.add("WWW-Authenticate", "Bearer");
      return reject(std::move(r));
    }
  }
  return Admission{std::nullopt, match.route->options.body_limit};
}

asio::awaitable<std::optional<Response>> HttpService::apply_fault(const Request& req) {
  auto action = faults_.decide("route:" + req.route, std::chrono::system_clock::now());
  if (!action) co_return std::nullopt;
  switch (action->kind) {
    case faults::Kind::kLatency:
      co_await faults::sleep_unless_shut_down(faults_, action->latency);
      co_return std::nullopt;
    case faults::Kind::kError:
      co_return problem(action->status, "injected fault " + action->fault_id, req.path, req.request_id);
    case faults::Kind::kThrottle: {
      Response r = problem(429, "injected throttling " + action->fault_id, req.path, req.request_id);
      co_return r;
    }
    case faults::Kind::kTimeout: {
      // A blackhole: hold the request, then drop the connection unanswered.
      co_await faults::sleep_unless_shut_down(faults_, action->latency);
      Response r;
      r.abort = true;
      co_return r;
    }
  }
  co_return std::nullopt;
}

asio::awaitable<Response> HttpService::handle(Request& req) {
  const Route& route = *req.matched;
  http_metrics_->request_started();
  struct Finished {
    telemetry::HttpServerMetrics& metrics;
    ~Finished() { metrics.request_finished(); }
  } finished{*http_metrics_};
  if (!faults_.empty() && !exempt_from_faults(route.pattern)) {
    auto injected = co_await apply_fault(req);
    if (injected) co_return finish(req, std::move(*injected));
  }
  Response resp;
  try {
    resp = co_await route.handler(req);
  } catch (const std::exception& e) {
    telemetry::log(telemetry::Level::kError, "handler_exception",
                   {{"route", std::string_view(route.pattern)},
                    {"request_id", std::string_view(req.request_id)},
                    {"what", std::string_view(e.what())}});
    resp = problem(500, "an unexpected error occurred; quote the request id", req.path, req.request_id);
  }
  co_return finish(req, std::move(resp));
}

Response HttpService::finish(Request& req, Response resp) {
  if (resp.abort) return resp;
  resp.headers.set("X-Request-Id", req.request_id);
  if (!req.trace_id.empty()) resp.headers.set("traceparent", format_traceparent(req.trace_id, req.span_id));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - req.received_at).count();
  auto* handles = static_cast<telemetry::HttpServerMetrics::RouteHandles*>(
      req.matched && req.matched->metrics ? req.matched->metrics.get() : unmatched_metrics_.get());
  if (handles) http_metrics_->observe(*handles, resp.status, seconds);
  if (options_.access_log) {
    telemetry::log(telemetry::Level::kInfo, "http_request",
                   {{"method", std::string_view(req.method_text)},
                    {"path", std::string_view(req.path)},
                    {"route", std::string_view(req.route)},
                    {"status", static_cast<std::int64_t>(resp.status)},
                    {"duration_ms", seconds * 1000.0},
                    {"request_id", std::string_view(req.request_id)},
                    {"trace_id", std::string_view(req.trace_id)},
                    {"remote", std::string_view(req.remote_address)}});
  }
  return resp;
}

void HttpService::on_connection(bool opened) {
  if (opened) {
    http_metrics_->connection_opened();
  } else {
    http_metrics_->connection_closed();
  }
}

void HttpService::on_transport_reject(int status) {
  if (unmatched_metrics_) {
    http_metrics_->observe(
        *static_cast<telemetry::HttpServerMetrics::RouteHandles*>(unmatched_metrics_.get()), status, 0.0);
  }
}

}  // namespace cafe::http
