// The gateway: route templates to target groups, health-checked targets,
// least-outstanding balancing, retry on another target when a connect
// fails, per-client rate limiting, and upstream failures mapped to
// 502/503/504 problems. It forwards bytes: no JSON work on the hot path.
#pragma once

#include "platform/core/error.h"
#include "platform/faults/fault.h"
#include "platform/http/router.h"
#include "platform/http/server.h"
#include "platform/http_client/client.h"
#include "platform/resilience/rate_limiter.h"
#include "services/gateway/target_group.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace cafe::gateway {

struct RouteSpec {
  std::string path;  // template under /api; the bare form is added too
  std::string group;
};

struct GatewayOptions {
  std::vector<RouteSpec> routes;
  std::vector<std::pair<std::string, std::vector<std::string>>> targets;  // group -> "host:port"
  std::string health_path = "/health/ready";
  std::chrono::milliseconds health_interval{1000};
  std::chrono::milliseconds health_timeout{500};
  HealthThresholds thresholds;
  bool rate_limit_enabled = true;
  resilience::RateLimiter::Options rate_limit;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds deadline{10'000};
  std::size_t max_connections_per_target = 256;
  int max_attempts = 2;  // distinct targets tried when nothing was sent
  std::size_t max_body_bytes = 1u << 20;
};

class Gateway {
 public:
  // Validates the route table and targets (every route's group must exist).
  // Calls to a group answer to faults on "dependency:<group>".
  static Result<std::unique_ptr<Gateway>> create(GatewayOptions options, prometheus::Registry* metrics,
                                                 faults::Registry& faults);
  ~Gateway();

  Result<void> add_routes(http::Router& router);
  // Starts the health checks; each I/O thread creates its upstream client
  // on its first request and closes it once it has drained at shutdown.
  void start(http::Server& server);
  // Ends the health checks and stops creating clients (a graceful shutdown
  // has begun). Idempotent.
  void stop();
  // Every group that has targets has at least one healthy one.
  bool ready() const;

  TargetGroup* group(std::string_view name);

 private:
  Gateway(GatewayOptions options, prometheus::Registry* metrics, faults::Registry& faults);
  boost::asio::awaitable<http::Response> forward(http::Request& request, TargetGroup& group);
  boost::asio::awaitable<void> health_loop(std::shared_ptr<http_client::Client> client);
  http_client::Client* client_for_this_thread();

  struct Shared;
  GatewayOptions options_;
  prometheus::Registry* metrics_;
  faults::Registry& faults_;
  std::uint64_t instance_id_;
  std::vector<std::unique_ptr<TargetGroup>> groups_;
  std::mutex rate_mutex_;
  resilience::RateLimiter rate_limiter_;  // guarded by rate_mutex_
  std::shared_ptr<Shared> shared_;
};

// The rate-limit key: a valid X-Client-Id (1-64 printable ASCII), else the
// remote address.
std::string client_key(const http::Request& request);

}  // namespace cafe::gateway
