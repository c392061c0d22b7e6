#include "services/gateway/gateway.h"

#include "platform/faults/inject.h"
#include "platform/http/identity.h"
#include "platform/http/path.h"
#include "platform/http/problem.h"
#include "platform/http/service.h"
#include "platform/telemetry/log.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <thread>
#include <unordered_map>

namespace cafe::gateway {

namespace asio = boost::asio;
using http::Request;
using http::Response;

// State shared with coroutines that may outlive a call into Gateway.
struct Gateway::Shared {
  std::mutex mutex;
  struct ThreadClient {
    asio::any_io_executor executor;
    std::shared_ptr<http_client::Client> client;
  };
  std::unordered_map<std::thread::id, ThreadClient> clients;  // guarded by mutex
  std::shared_ptr<http_client::Client> health_client;         // guarded by mutex
  std::optional<asio::steady_timer> health_timer;             // touched only on the health loop's executor
  std::optional<asio::any_io_executor> health_executor;
  std::atomic<bool> stopping{false};
  prometheus::Family<prometheus::Gauge>* healthy_family = nullptr;
  prometheus::Counter* rate_limited = nullptr;
};

namespace {

std::atomic<std::uint64_t> next_instance_id{1};

http_client::ClientOptions client_options(const GatewayOptions& o) {
  http_client::ClientOptions c;
  c.max_connections_per_target = o.max_connections_per_target;
  c.max_idle_per_target = o.max_connections_per_target;
  c.connect_timeout = o.connect_timeout;
  c.max_attempts = 1;  // the gateway retries across targets itself
  c.service = "gateway";
  return c;
}

bool printable(std::string_view s) {
  for (const char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

Response upstream_problem(const Request& req, const TargetGroup& group, const http_client::Outcome* last) {
  using http_client::Failure;
  if (!last) {
    Response r = http::problem(503, "no healthy " + group.name() + " target", req.path, req.request_id);
    return r;
  }
  switch (last->failure) {
    case Failure::kTimeout:
      return http::problem(504, group.name() + " did not answer in time", req.path, req.request_id);
    case Failure::kConnect:
      return http::problem(503, "no " + group.name() + " target accepted a connection", req.path,
                           req.request_id);
    case Failure::kBreakerOpen:
    case Failure::kPoolExhausted:
      return http::problem(503,
                           group.name() + " is shedding load (" + http_client::to_string(last->failure) + ")",
                           req.path, req.request_id);
    default:
      return http::problem(502, group.name() + " failed: " + http_client::to_string(last->failure), req.path,
                           req.request_id);
  }
}

// True when the Connection header value lists `name`: such a field
// belongs to the client's connection and is not forwarded (RFC 9110 §7.6.1).
bool names_field(std::string_view connection, std::string_view name) {
  while (!connection.empty()) {
    const auto comma = connection.find(',');
    std::string_view token = connection.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (http::iequals(token, name)) return true;
    if (comma == std::string_view::npos) break;
    connection.remove_prefix(comma + 1);
  }
  return false;
}

// The request to send upstream: the same method, path and body, the
// client's headers less Host, plus the request id, trace context and
// X-Forwarded-For.
Request upstream_request(const Request& req) {
  Request up;
  up.method = req.method;
  up.method_text = req.method_text;
  // The path was decoded to route it; the upstream must see the same path.
  up.target = http::encode_path(req.path);
  if (!req.query.empty()) up.target.append("?").append(req.query);
  up.headers.reserve(req.headers.size() + 3);
  const auto connection = req.headers.get("Connection");
  for (const auto& field : req.headers) {
    // Expect belongs to this hop: the body has been read already.
    if (http::iequals(field.name, "Host") || http::iequals(field.name, "X-Request-Id") ||
        http::iequals(field.name, "traceparent") || http::iequals(field.name, "X-Forwarded-For") ||
        http::iequals(field.name, "Expect") || (connection && names_field(*connection, field.name))) {
      continue;
    }
    up.headers.add(field.name, field.value);
  }
  up.headers.add("X-Request-Id", req.request_id);
  up.headers.add("traceparent", http::format_traceparent(req.trace_id, req.span_id));
  const auto forwarded = req.headers.get("X-Forwarded-For");
  up.headers.add("X-Forwarded-For",
                 forwarded ? std::string(*forwarded) + ", " + req.remote_address : req.remote_address);
  up.body = req.body;
  return up;
}

}  // namespace

std::string client_key(const Request& request) {
  if (auto id = request.headers.get("X-Client-Id");
      id && !id->empty() && id->size() <= 64 && printable(*id)) {
    return "id:" + std::string(*id);
  }
  return "ip:" + request.remote_address;
}

Gateway::Gateway(GatewayOptions options, prometheus::Registry* metrics, faults::Registry& faults)
    : options_(std::move(options)),
      metrics_(metrics),
      faults_(faults),
      instance_id_(next_instance_id.fetch_add(1)),
      rate_limiter_(options_.rate_limit),
      shared_(std::make_shared<Shared>()) {}

Gateway::~Gateway() {
  stop();
}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayOptions options, prometheus::Registry* metrics,
                                                 faults::Registry& faults) {
  std::unique_ptr<Gateway> gw(new Gateway(std::move(options), metrics, faults));
  for (const auto& [name, addresses] : gw->options_.targets) {
    std::vector<http_client::Target> targets;
    for (const auto& address : addresses) {
      auto target = http_client::Target::parse(address);
      if (!target) {
        return Error::invalid("gateway.targets." + name + ": " + target.error().detail);
      }
      targets.push_back(std::move(*target));
    }
    gw->groups_.push_back(std::make_unique<TargetGroup>(name, std::move(targets)));
  }
  for (const auto& route : gw->options_.routes) {
    if (!route.path.starts_with("/api/")) {
      return Error::invalid("gateway route " + route.path +
                            " must start with /api/ (the bare form is added)");
    }
    // A group without targets is allowed (its service is not deployed yet):
    // its routes answer 503 rather than 404, which is the honest answer.
    if (!gw->group(route.group))
      gw->groups_.push_back(std::make_unique<TargetGroup>(route.group, std::vector<http_client::Target>{}));
  }
  if (metrics) {
    auto& healthy = prometheus::BuildGauge()
                        .Name("cloudcafe_gateway_target_healthy")
                        .Help("1 when the gateway routes to the target, 0 when health checks took it out")
                        .Register(*metrics);
    gw->shared_->healthy_family = &healthy;
    gw->shared_->rate_limited = &prometheus::BuildCounter()
                                     .Name("cloudcafe_gateway_rate_limited_total")
                                     .Help("Requests refused by the per-client rate limit")
                                     .Register(*metrics)
                                     .Add({});
    for (auto& group : gw->groups_) {
      for (auto& t : group->targets()) healthy.Add({{"group", group->name()}, {"target", t->name()}}).Set(1);
    }
  }
  return gw;
}

TargetGroup* Gateway::group(std::string_view name) {
  for (auto& g : groups_) {
    if (g->name() == name) return g.get();
  }
  return nullptr;
}

bool Gateway::ready() const {
  for (const auto& g : groups_) {
    if (!g->targets().empty() && !g->any_healthy()) return false;
  }
  return true;
}

Result<void> Gateway::add_routes(http::Router& router) {
  constexpr http::Method kMethods[] = {http::Method::kGet,    http::Method::kHead,  http::Method::kPost,
                                       http::Method::kPut,    http::Method::kPatch, http::Method::kDelete,
                                       http::Method::kOptions};
  const http::RouteOptions options{.access = http::Access::kPublic, .body_limit = options_.max_body_bytes};
  for (const auto& route : options_.routes) {
    TargetGroup* target_group = group(route.group);
    auto handler = [this, target_group](Request& req) -> asio::awaitable<Response> {
      co_return co_await forward(req, *target_group);
    };
    const std::string bare = route.path.substr(4);  // "/api/menu/**" -> "/menu/**"
    for (const auto& path : {route.path, bare}) {
      for (const auto method : kMethods) {
        if (auto added = router.add(method, path, handler, options); !added) return added;
      }
    }
  }
  return {};
}

http_client::Client* Gateway::client_for_this_thread() {
  // The hot path: this thread's client is remembered without a lock. The
  // owner is a process-unique id, not an address, so a gateway created
  // where a destroyed one lived (tests) never sees the old client.
  thread_local std::uint64_t cached_owner = 0;
  thread_local http_client::Client* cached_client = nullptr;
  if (cached_owner == instance_id_) return cached_client;
  std::lock_guard lock(shared_->mutex);
  auto it = shared_->clients.find(std::this_thread::get_id());
  if (it == shared_->clients.end()) return nullptr;
  cached_owner = instance_id_;
  cached_client = it->second.client.get();
  return cached_client;
}

asio::awaitable<Response> Gateway::forward(Request& req, TargetGroup& group) {
  if (options_.rate_limit_enabled) {
    resilience::RateLimiter::Decision decision;
    {
      std::lock_guard lock(rate_mutex_);
      decision = rate_limiter_.try_acquire(client_key(req), std::chrono::steady_clock::now());
    }
    if (!decision.allowed) {
      if (shared_->rate_limited) shared_->rate_limited->Increment();
      Error limited = Error::make(ErrorCode::kResourceExhausted, "rate limit exceeded for this client");
      limited.retry_after_seconds = decision.retry_after_seconds;
      co_return http::problem_for(req, limited);
    }
  }
  if (!faults_.empty()) {
    std::string dependency = "dependency:" + group.name();
    if (auto injected = co_await faults::inject(faults_, std::move(dependency))) {
      co_return http::problem_for(req, *injected);
    }
  }
  http_client::Client* client = client_for_this_thread();
  if (!client) {
    if (shared_->stopping) {
      co_return http::problem_for(req, Error::unavailable("the gateway is shutting down"));
    }
    auto executor = co_await asio::this_coro::executor;
    auto created = std::make_shared<http_client::Client>(executor, client_options(options_), metrics_);
    std::lock_guard lock(shared_->mutex);
    client = shared_->clients
                 .emplace(std::this_thread::get_id(), Shared::ThreadClient{executor, std::move(created)})
                 .first->second.client.get();
  }

  const auto deadline_at = std::chrono::steady_clock::now() + options_.deadline;
  std::vector<const UpstreamTarget*> tried;
  std::optional<http_client::Outcome> last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    UpstreamTarget* target = group.pick(tried);
    if (!target) break;
    tried.push_back(target);
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_at - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) break;
    const bool final_attempt = attempt + 1 == options_.max_attempts;
    // Built per attempt from the client's request, which stays intact: the
    // common case (one attempt) copies nothing twice.
    Request upstream = upstream_request(req);
    target->begin_request();
    struct EndRequest {
      UpstreamTarget* t;
      ~EndRequest() { t->end_request(); }
    } end_request{target};
    http_client::Outcome outcome = co_await client->send(target->target(), std::move(upstream),
                                                         {.deadline = remaining, .allow_retry = false});
    if (outcome.ok()) co_return std::move(outcome.response);
    if (outcome.failure == http_client::Failure::kConnect) {
      if (target->record_connect_failure(options_.thresholds)) {
        telemetry::log(telemetry::Level::kWarn, "target_down",
                       {{"group", std::string_view(group.name())},
                        {"target", std::string_view(target->name())},
                        {"reason", "connect failed"}});
      }
    }
    const bool sent = outcome.request_sent;
    last = std::move(outcome);
    // Never replay elsewhere a request the upstream may already have acted
    // on, unless repeating it is harmless.
    if ((sent && !http::is_idempotent(req.method)) || final_attempt) break;
  }
  co_return upstream_problem(req, group, last ? &*last : nullptr);
}

void Gateway::start(http::Server& server) {
  auto executor = server.executor(0);
  auto health_options = client_options(options_);
  health_options.service = "gateway-health";
  // Health checks must keep probing a failing target: a breaker would stop
  // them from ever seeing it recover.
  health_options.breaker.min_failures = static_cast<std::size_t>(1) << 30;
  auto health_client = std::make_shared<http_client::Client>(executor, health_options, nullptr);
  {
    std::lock_guard lock(shared_->mutex);
    shared_->health_client = health_client;
    shared_->health_executor = executor;
  }
  asio::co_spawn(executor, health_loop(std::move(health_client)), [](const std::exception_ptr& e) {
    telemetry::log_coroutine_exit("gateway_health_loop", e);
  });
  // Requests admitted before a shutdown still need their clients: close
  // each thread's client only once that thread has no connection left.
  server.on_drained([shared = shared_] {
    std::shared_ptr<http_client::Client> mine;
    {
      std::lock_guard lock(shared->mutex);
      if (auto it = shared->clients.find(std::this_thread::get_id()); it != shared->clients.end()) {
        mine = it->second.client;
      }
    }
    if (mine) mine->close();
  });
}

void Gateway::stop() {
  if (shared_->stopping.exchange(true)) return;
  std::lock_guard lock(shared_->mutex);
  // The health checks end now; request clients close when their thread has
  // drained (see start()).
  if (shared_->health_executor) {
    asio::post(*shared_->health_executor, [shared = shared_] {
      if (shared->health_timer) shared->health_timer->cancel();
      if (shared->health_client) shared->health_client->close();
    });
  }
}

asio::awaitable<void> Gateway::health_loop(std::shared_ptr<http_client::Client> client) {
  auto shared = shared_;
  auto executor = co_await asio::this_coro::executor;
  while (!shared->stopping) {
    for (auto& group : groups_) {
      for (auto& target : group->targets()) {
        if (shared->stopping) break;
        Request probe;
        probe.method = http::Method::kGet;
        probe.method_text = "GET";
        probe.target = options_.health_path;
        probe.headers.add("User-Agent", "cloudcafe-gateway-health");
        auto outcome = co_await client->send(target->target(), std::move(probe),
                                             {.deadline = options_.health_timeout, .allow_retry = false});
        const bool passed = outcome.ok() && outcome.response.status >= 200 && outcome.response.status < 300;
        if (target->record_check(passed, options_.thresholds)) {
          telemetry::log(passed ? telemetry::Level::kInfo : telemetry::Level::kWarn,
                         passed ? "target_up" : "target_down",
                         {{"group", std::string_view(group->name())},
                          {"target", std::string_view(target->name())},
                          {"reason", std::string_view(passed ? "health checks pass" : outcome.detail)}});
        }
        if (shared->healthy_family) {
          shared->healthy_family->Add({{"group", group->name()}, {"target", target->name()}})
              .Set(target->healthy() ? 1 : 0);
        }
      }
    }
    if (shared->stopping) break;
    shared->health_timer.emplace(executor, options_.health_interval);
    // stop() posts its cancel to this thread: either it ran already (and
    // `stopping` is visible here) or it will cancel this wait.
    if (shared->stopping) break;
    auto [ec] = co_await shared->health_timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
  shared->health_timer.reset();
}

}  // namespace cafe::gateway
