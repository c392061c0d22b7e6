// The gateway: route templates to target groups whose membership changes
// at run time, active health checks (each target probed on its own),
// passive outlier ejection, least-outstanding balancing that skips open
// breakers, per-try timeouts and retries only of what is safe to repeat
// (platform/upstream), per-client rate limiting, and upstream failures
// mapped to 502/503/504 problems. It forwards bytes: no JSON work on the
// hot path.
//
// Its readiness is its own: one service with no healthy replica answers
// 503 on its routes, but does not take the gateway (and every other
// service with it) out of a load balancer. Per-group health is in
// /health and in metrics.
#pragma once

#include "platform/core/error.h"
#include "platform/faults/fault.h"
#include "platform/http/router.h"
#include "platform/http/server.h"
#include "platform/http_client/client.h"
#include "platform/resilience/circuit_breaker.h"
#include "platform/resilience/rate_limiter.h"
#include "platform/upstream/target_group.h"
#include "platform/upstream/upstream_call.h"

#include <boost/json/fwd.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace cafe::gateway {

struct RouteSpec {
  std::string path;  // template under /api; the bare form is added too
  std::string group;
  // The service deduplicates POSTs by Idempotency-Key (order): a keyed
  // request whose connection broke may go to another replica.
  bool idempotency_keys = false;
};

struct GatewayOptions {
  std::vector<RouteSpec> routes;
  std::vector<std::pair<std::string, std::vector<std::string>>> targets;  // group -> "host:port"
  std::string health_path = "/health/ready";
  std::chrono::milliseconds health_interval{1000};
  std::chrono::milliseconds health_timeout{500};
  upstream::HealthThresholds thresholds;
  bool rate_limit_enabled = true;
  resilience::RateLimiter::Options rate_limit;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds deadline{10'000};  // a client's X-Deadline-Ms may shorten it
  std::size_t max_connections_per_target = 256;
  int max_attempts = 2;          // attempts that reached a target; refused ones do not count
  double per_try_share = 0.5;    // of the remaining budget, for requests safe to repeat
  double panic_threshold = 0.5;  // below this share in rotation, route to every member
  upstream::OutlierOptions outlier;
  resilience::CircuitBreaker::Options breaker;
  std::size_t max_body_bytes = 1u << 20;
};

class Gateway {
 public:
  // Validates the route table and targets (every route's group must exist).
  // Calls to a group answer to faults on "dependency:<group>".
  static Result<std::unique_ptr<Gateway>> create(GatewayOptions options, prometheus::Registry* metrics,
                                                 faults::Registry& faults);
  ~Gateway();

  // The proxied routes and the target admin API (/admin/targets...).
  Result<void> add_routes(http::Router& router);
  // Starts the health checks; each I/O thread creates its upstream client
  // on its first request and closes it once it has drained at shutdown.
  void start(http::Server& server);
  // Ends the health checks and stops creating clients (a graceful shutdown
  // has begun). Idempotent.
  void stop();
  // The gateway's own readiness: started and not stopping.
  bool ready() const;
  // Per-group health for /health: targets in rotation, healthy, ejected.
  void describe_health(boost::json::object& out) const;

  upstream::TargetGroup* group(std::string_view name);

  // Run-time membership (the admin API and discovery use these). Adding
  // starts the target's health probe; draining takes it out of rotation
  // and removes it once its in-flight requests are done.
  Result<upstream::TargetPtr> add_target(std::string_view group, std::string_view address);
  Result<upstream::TargetPtr> drain_target(std::string_view group, std::string_view address);

  struct Shared;

 private:
  Gateway(GatewayOptions options, prometheus::Registry* metrics, faults::Registry& faults);
  boost::asio::awaitable<http::Response> forward(http::Request& request, upstream::TargetGroup& group,
                                                 bool idempotency_keys);
  std::optional<http::Response> refuse_over_rate(const http::Request& request);
  boost::asio::awaitable<std::optional<http::Response>> inject_fault(const http::Request& request,
                                                                     const upstream::TargetGroup& group);
  http_client::Client* client_for_this_thread();
  // Null once the gateway is stopping.
  boost::asio::awaitable<http_client::Client*> create_client_for_this_thread();
  void spawn_probe(upstream::TargetGroup& group, upstream::TargetPtr target);

  GatewayOptions options_;
  prometheus::Registry* metrics_;
  faults::Registry& faults_;
  std::uint64_t instance_id_;
  std::vector<std::unique_ptr<upstream::TargetGroup>> groups_;
  upstream::CallPolicy call_policy_;
  std::mutex rate_mutex_;
  resilience::RateLimiter rate_limiter_;  // guarded by rate_mutex_
  std::shared_ptr<Shared> shared_;
};

// The rate-limit key: a valid X-Client-Id (1-64 printable ASCII), else the
// remote address.
std::string client_key(const http::Request& request);

}  // namespace cafe::gateway
