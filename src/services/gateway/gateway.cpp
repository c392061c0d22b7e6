#include "services/gateway/gateway.h"

#include "platform/faults/inject.h"
#include "platform/http/identity.h"
#include "platform/http/path.h"
#include "platform/http/problem.h"
#include "platform/http/service.h"
#include "platform/telemetry/log.h"
#include "services/gateway/gateway_shared.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <thread>

namespace cafe::gateway {

namespace asio = boost::asio;
using http::Request;
using http::Response;

namespace {

std::atomic<std::uint64_t> next_instance_id{1};

bool printable(std::string_view s) {
  for (const char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

// Out of line, as is upstream_request(): inlined into forward(), their
// temporaries would take room in its coroutine frame, made per request
// (1.6 KiB instead of 0.9: past glibc's fast path for small blocks).
[[gnu::noinline]] Response upstream_problem(const Request& req, const upstream::TargetGroup& group,
                                            const upstream::CallResult& result) {
  using http_client::Failure;
  const auto& last = result.outcome;
  if (!last && result.out_of_time) {
    return http::problem(504, "no time was left to call " + group.name(), req.path, req.request_id);
  }
  if (!last) return http::problem(503, "no healthy " + group.name() + " target", req.path, req.request_id);
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
// client's end-to-end headers, plus the request id, trace context and
// X-Forwarded-For. The deadline header is written per attempt. The body
// moves: the client's request is not needed after this.
[[gnu::noinline]] Request upstream_request(Request& req) {
  Request up;
  up.method = req.method;
  up.method_text = req.method_text;
  // The path was decoded to route it; the upstream must see the same path.
  up.target = http::encode_path(req.path);
  if (!req.query.empty()) up.target.append("?").append(req.query);
  up.headers.reserve(req.headers.size() + 4);
  const auto connection = req.headers.get("Connection");
  for (const auto& field : req.headers) {
    // Expect belongs to this hop: the body has been read already.
    if (http::iequals(field.name, "Host") || http::iequals(field.name, "X-Request-Id") ||
        http::iequals(field.name, "traceparent") || http::iequals(field.name, "X-Forwarded-For") ||
        http::iequals(field.name, "Expect") || http::iequals(field.name, upstream::kDeadlineHeader) ||
        (connection && names_field(*connection, field.name))) {
      continue;
    }
    up.headers.add(field.name, field.value);
  }
  up.headers.add("X-Request-Id", req.request_id);
  up.headers.add("traceparent", http::format_traceparent(req.trace_id, req.span_id));
  const auto forwarded = req.headers.get("X-Forwarded-For");
  up.headers.add("X-Forwarded-For",
                 forwarded ? std::string(*forwarded) + ", " + req.remote_address : req.remote_address);
  up.body = std::move(req.body);
  return up;
}

http_client::ClientOptions client_options(const GatewayOptions& o, std::string service) {
  http_client::ClientOptions c;
  c.max_connections_per_target = o.max_connections_per_target;
  c.max_idle_per_target = o.max_connections_per_target;
  c.connect_timeout = o.connect_timeout;
  c.max_attempts = 1;  // attempts across targets are upstream::call's
  c.breaker = o.breaker;
  c.service = std::move(service);
  return c;
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
      shared_(std::make_shared<Shared>(metrics)) {
  call_policy_ = {.max_attempts = options_.max_attempts,
                  .per_try_share = options_.per_try_share,
                  .outlier = options_.outlier,
                  .on_ejected = [shared = shared_](const upstream::Target& t) { shared->on_ejected(t); }};
}

Gateway::~Gateway() {
  stop();
}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayOptions options, prometheus::Registry* metrics,
                                                 faults::Registry& faults) {
  std::unique_ptr<Gateway> gw(new Gateway(std::move(options), metrics, faults));
  const upstream::TargetGroup::Options group_options{.panic_threshold = gw->options_.panic_threshold};
  for (const auto& [name, addresses] : gw->options_.targets) {
    std::vector<http_client::Target> targets;
    for (const auto& address : addresses) {
      auto target = http_client::Target::parse(address);
      if (!target) return Error::invalid("gateway.targets." + name + ": " + target.error().detail);
      targets.push_back(std::move(*target));
    }
    gw->groups_.push_back(std::make_unique<upstream::TargetGroup>(name, std::move(targets), group_options));
  }
  for (const auto& route : gw->options_.routes) {
    if (!route.path.starts_with("/api/")) {
      return Error::invalid("gateway route " + route.path +
                            " must start with /api/ (the bare form is added)");
    }
    // A group without targets is allowed (its service is not deployed yet,
    // or discovery will fill it): its routes answer 503, the honest answer.
    if (!gw->group(route.group)) {
      gw->groups_.push_back(std::make_unique<upstream::TargetGroup>(route.group, group_options));
    }
  }
  for (auto& group : gw->groups_) {
    for (const auto& t : group->snapshot()->targets) gw->shared_->set_healthy(group->name(), *t);
  }
  return gw;
}

upstream::TargetGroup* Gateway::group(std::string_view name) {
  for (auto& g : groups_) {
    if (g->name() == name) return g.get();
  }
  return nullptr;
}

bool Gateway::ready() const {
  return shared_->started && !shared_->stopping;
}

void Gateway::describe_health(boost::json::object& out) const {
  const auto now = upstream::Clock::now();
  boost::json::object groups;
  for (const auto& g : groups_) {
    int healthy = 0;
    int ejected = 0;
    int draining = 0;
    int in_rotation = 0;
    const auto members = g->snapshot();
    for (const auto& t : members->targets) {
      healthy += t->healthy() ? 1 : 0;
      ejected += t->ejected(now) ? 1 : 0;
      draining += t->draining() ? 1 : 0;
      in_rotation += t->available(now) ? 1 : 0;
    }
    groups[g->name()] = {{"status", in_rotation > 0 ? "healthy" : "unavailable"},
                         {"targets", members->targets.size()},
                         {"in_rotation", in_rotation},
                         {"healthy", healthy},
                         {"ejected", ejected},
                         {"draining", draining}};
  }
  out["groups"] = std::move(groups);
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

// The rare paths of forward() live apart so that its coroutine frame, made
// per request, stays under 1 KiB: glibc serves larger blocks from its slow
// path.
std::optional<Response> Gateway::refuse_over_rate(const Request& req) {
  resilience::RateLimiter::Decision decision;
  {
    std::lock_guard lock(rate_mutex_);
    decision = rate_limiter_.try_acquire(client_key(req), std::chrono::steady_clock::now());
  }
  if (decision.allowed) return std::nullopt;
  shared_->count_rate_limited();
  Error limited = Error::make(ErrorCode::kResourceExhausted, "rate limit exceeded for this client");
  limited.retry_after_seconds = decision.retry_after_seconds;
  return http::problem_for(req, limited);
}

asio::awaitable<std::optional<Response>> Gateway::inject_fault(const Request& req,
                                                               const upstream::TargetGroup& group) {
  std::string dependency = "dependency:" + group.name();
  const Deadline deadline = req.deadline.capped(options_.deadline);
  if (auto injected = co_await faults::inject(faults_, std::move(dependency), deadline)) {
    co_return http::problem_for(req, *injected);
  }
  co_return std::nullopt;
}

asio::awaitable<http_client::Client*> Gateway::create_client_for_this_thread() {
  if (shared_->stopping) co_return nullptr;
  auto executor = co_await asio::this_coro::executor;
  auto created =
      std::make_shared<http_client::Client>(executor, client_options(options_, "gateway"), metrics_);
  std::lock_guard lock(shared_->mutex);
  co_return shared_->clients
      .emplace(std::this_thread::get_id(), Shared::ThreadClient{executor, std::move(created)})
      .first->second.client.get();
}

asio::awaitable<Response> Gateway::forward(Request& req, upstream::TargetGroup& group,
                                           bool idempotency_keys) {
  if (options_.rate_limit_enabled) {
    if (auto refused = refuse_over_rate(req)) co_return std::move(*refused);
  }
  if (!faults_.empty()) {
    if (auto injected = co_await inject_fault(req, group)) co_return std::move(*injected);
  }
  http_client::Client* client = client_for_this_thread();
  if (!client) client = co_await create_client_for_this_thread();
  if (!client) co_return http::problem_for(req, Error::unavailable("the gateway is shutting down"));
  // The client's own budget (X-Deadline-Ms, read by the pipeline) may be
  // shorter than the gateway's.
  const Deadline deadline = req.deadline.capped(options_.deadline);
  // Named, so that the upstream request moves into call()'s frame and is
  // not kept in this one as well.
  // A keyed POST may go to another replica only where the service
  // deduplicates by key; elsewhere the key is just a header.
  const bool keyed = idempotency_keys && req.headers.contains("Idempotency-Key");
  auto call = upstream::call(*client, group, upstream_request(req), deadline, call_policy_, keyed);
  upstream::CallResult result = co_await std::move(call);
  if (result.outcome && result.outcome->ok()) co_return std::move(result.outcome->response);
  co_return upstream_problem(req, group, result);
}

}  // namespace cafe::gateway
