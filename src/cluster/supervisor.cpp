#include "cluster/supervisor.h"

#include "cluster/placement.h"
#include "cluster/stack/loopback.h"
#include "platform/http_client/client.h"
#include "platform/json/body.h"
#include "platform/service/task_group.h"
#include "platform/telemetry/metrics.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cafe::cluster {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Role = service::ClusterTraits::Role;

const char* to_string(ReplicaState state) {
  switch (state) {
    case ReplicaState::kStarting:
      return "starting";
    case ReplicaState::kReady:
      return "ready";
    case ReplicaState::kPaused:
      return "paused";
    case ReplicaState::kStopping:
      return "stopping";
    case ReplicaState::kBackoff:
      return "backoff";
    case ReplicaState::kCrashLoop:
      return "crash-loop";
    case ReplicaState::kStopped:
      return "stopped";
  }
  return "unknown";
}

namespace {

constexpr auto kTick = 50ms;
constexpr auto kProbeTimeout = 300ms;
constexpr auto kAdminCallTimeout = 1000ms;
constexpr auto kGatewaySyncInterval = 500ms;
constexpr auto kScrapeInterval = 2s;
constexpr auto kRotationInterval = 5s;
// Replicas are kept for the supervisor's life (tasks hold pointers to them);
// scaling and draining add new ones, up to this many.
constexpr std::size_t kMaxTrackedReplicas = 512;
constexpr std::uintmax_t kLogLimitBytes = std::uintmax_t{64} << 20;

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return signal_name(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

http::Request admin_request(http::Method method, std::string method_text, std::string target,
                            const std::string& token, std::string body = {}) {
  http::Request req;
  req.method = method;
  req.method_text = std::move(method_text);
  req.target = std::move(target);
  req.headers.add("Authorization", "Bearer " + token);
  req.headers.add("User-Agent", "cloudcafe-supervisor");
  if (!body.empty()) {
    req.headers.add("Content-Type", "application/json");
    req.body = std::move(body);
  }
  return req;
}

std::string format_duration(std::chrono::seconds s) {
  const auto n = s.count();
  if (n < 60) return std::to_string(n) + "s";
  if (n < 3600) return std::to_string(n / 60) + "m" + std::to_string(n % 60) + "s";
  return std::to_string(n / 3600) + "h" + std::to_string((n % 3600) / 60) + "m";
}

}  // namespace

Supervisor::Supervisor(service::ServiceContext& context, SupervisorOptions options)
    : context_(context), options_(std::move(options)) {
  placements_ = placements(options_.config, *options_.registry);
}

Supervisor::~Supervisor() = default;

int Supervisor::rank_of(const std::string& service) const {
  return start_rank(options_.registry->find(service)->cluster.role);
}

// The bus and the gateway stand for managed infrastructure (SQS/Kinesis, an
// ALB): they are not placed on the nodes a drain empties.
bool Supervisor::placed_on_nodes(const std::string& service) const {
  return rank_of(service) == 1;
}

std::uint16_t Supervisor::allocate_port(const ServicePlacement& placement, int index) {
  if (rank_of(placement.service) == 2 && options_.config.gateway_port != 0 && index == 1)
    return options_.config.gateway_port;
  if (placement.base_port != 0) return static_cast<std::uint16_t>(placement.base_port + index - 1);
  for (int attempt = 0; attempt < 20; ++attempt) {
    // Kept for the cluster's life; a replica that loses the port to another
    // process before binding it fails to start and is restarted.
    auto free = stack::free_loopback_port();
    const std::uint16_t port = free ? *free : std::uint16_t{0};
    const bool clash =
        std::any_of(replicas_.begin(), replicas_.end(), [&](const auto& r) { return r->port == port; });
    if (port != 0 && !clash) return port;
  }
  return 0;
}

bool Supervisor::room_for_replicas(std::size_t more) const {
  return replicas_.size() + more <= kMaxTrackedReplicas;
}

Replica& Supervisor::add_replica(const std::string& service, const std::string& node, int index) {
  if (index == 0) {
    for (const auto& r : replicas_)
      if (r->service == service) index = std::max(index, r->index);
    ++index;
  }
  const auto& placement = *std::find_if(placements_.begin(), placements_.end(),
                                        [&](const ServicePlacement& p) { return p.service == service; });
  replicas_.push_back(std::make_unique<Replica>(service, index, node, allocate_port(placement, index),
                                                options_.config.restart));
  return *replicas_.back();
}

std::vector<std::string> Supervisor::environment_for(const service::Definition& d) const {
  std::vector<std::string> env = environment_without({"CLOUDCAFE_ADMIN_TOKEN"});
  env.push_back("CLOUDCAFE_ADMIN_TOKEN_FILE=" + options_.dir.token_file().string());
  // Where the other services are: every service's replicas as planned at
  // start, and the bus.
  std::map<std::string, std::vector<std::string>> peers;
  for (const auto& r : replicas_) {
    if (rank_of(r->service) == 2) continue;
    peers[r->service].push_back(r->address());
  }
  for (const auto& [service, addresses] : peers) {
    std::string list = "[";
    for (const auto& a : addresses) list += (list.size() > 1 ? "," : "") + a;
    env.push_back("CLOUDCAFE_PEERS__" + upper(service) + "__ADDRESSES=" + list + "]");
  }
  if (d.bus && options_.stack == "embedded" && !bus_address_.empty())
    env.push_back("CLOUDCAFE_" + upper(d.name) + "__BUS__BACKEND=embedded");
  if (auto it = stack_env_.find(d.name); it != stack_env_.end())
    env.insert(env.end(), it->second.begin(), it->second.end());
  return env;
}

Result<void> Supervisor::launch(Replica& r) {
  const service::Definition* d = options_.registry->find(r.service);
  std::error_code ec;
  std::filesystem::create_directories(options_.dir.data(r.service), ec);
  const auto log_path = options_.dir.logs() / (r.service + "-" + std::to_string(r.index) + ".log");
  std::vector<std::string> argv{options_.binary,
                                "serve",
                                r.service,
                                "--listen",
                                r.address(),
                                "--data-dir",
                                options_.dir.data(r.service).string(),
                                "--replica",
                                r.name()};
  if (!options_.config_path.empty()) {
    argv.emplace_back("--config");
    argv.push_back(options_.config_path);
  }
  auto pid = spawn({.argv = argv,
                    .env = environment_for(*d),
                    .log_path = log_path,
                    .cwd = options_.dir.root(),
                    .run_as = std::nullopt,
                    .death_signal = SIGKILL});
  if (!pid) return pid.error();
  const auto now = Clock::now();
  r.pid = *pid;
  r.state = ReplicaState::kStarting;
  r.started_at = now;
  r.deadline = now + options_.config.ready_timeout;
  r.metrics_before.reset();
  r.metrics_after.reset();
  context_.log(telemetry::Level::kInfo, "replica_started",
               {{"child", std::string_view(r.name())},
                {"node", std::string_view(r.node)},
                {"pid", static_cast<std::int64_t>(r.pid)},
                {"address", std::string_view(r.address())}});
  changed();
  return {};
}

Result<void> Supervisor::start(service::ServiceContext& context) {
  client_ = std::make_unique<http_client::Client>(
      context.executor(0),
      http_client::ClientOptions{
          .max_connections_per_target = 4,
          .max_idle_per_target = 2,
          .connect_timeout = 200ms,
          .max_attempts = 1,
          // Refused connects while a replica starts are expected, not a reason to stop asking.
          .breaker = {.window = 20, .window_duration = 1s, .min_failures = 1'000'000},
          .service = "supervisor"},
      &context.metrics().registry());
  for (const auto& p : placements_) {
    const service::Definition* d = options_.registry->find(p.service);
    if (options_.stack == "real" && d->cluster.role == Role::kBus) continue;  // NATS takes its place
    if (options_.stack_env) {
      auto env = options_.stack_env(*d);
      if (!env) return env.error();
      stack_env_[p.service] = std::move(*env);
    }
    NodeLoad load;
    for (int i = 0; i < p.replicas; ++i) {
      std::string node = "-";
      if (placed_on_nodes(p.service)) {
        node = choose_node(options_.config.nodes, p.nodes, cordoned_, load)
                   .value_or(options_.config.nodes.front());
        ++load.of_service[node];
      }
      Replica& r = add_replica(p.service, node, i + 1);
      if (r.port == 0) return Error::unavailable("no free loopback port for " + r.name());
      if (d->cluster.role == Role::kBus) bus_address_ = r.address();
      if (d->cluster.role == Role::kGateway && gateway_address_.empty()) gateway_address_ = r.address();
    }
  }
  first_start_began_ = Clock::now();
  return context.tasks().every(context.executor(0), "supervise", kTick, [this]() { return tick(); });
}

void Supervisor::close_clients() {
  if (client_) client_->close();
}

asio::awaitable<void> Supervisor::tick() {
  const auto now = Clock::now();
  reap();
  if (!first_start_done_) advance_first_start(now);
  for (auto& r : replicas_) step(*r, now);
  if (!stopping_ && !syncing_ && (gateway_dirty_ || now >= next_sync_)) {
    syncing_ = true;
    gateway_dirty_ = false;
    next_sync_ = now + kGatewaySyncInterval;
    auto body = [this]() -> asio::awaitable<void> {
      co_await sync_gateways();
      syncing_ = false;
    };
    if (!context_.tasks().spawn(context_.executor(0), "gateway-sync", body)) syncing_ = false;
  }
  if (!scraping_ && now >= next_scrape_) {
    scraping_ = true;
    next_scrape_ = now + kScrapeInterval;
    auto body = [this]() -> asio::awaitable<void> {
      co_await scrape();
      scraping_ = false;
    };
    if (!context_.tasks().spawn(context_.executor(0), "scrape", body)) scraping_ = false;
  }
  if (now >= next_rotation_) {
    next_rotation_ = now + kRotationInterval;
    rotate_logs();
  }
  co_return;
}

void Supervisor::reap() {
  for (auto& r : replicas_) {
    if (r->pid <= 0) continue;
    int status = 0;
    const pid_t done = ::waitpid(r->pid, &status, WNOHANG);
    if (done == r->pid) on_exit(*r, status);
  }
}

void Supervisor::on_exit(Replica& r, int status) {
  const auto now = Clock::now();
  r.pid = 0;
  r.probing = false;
  r.last_exit = describe_exit(status);
  gateway_dirty_ = true;
  const bool expected = r.state == ReplicaState::kStopping;
  context_.log(expected ? telemetry::Level::kInfo : telemetry::Level::kWarn, "replica_exited",
               {{"child", std::string_view(r.name())},
                {"how", std::string_view(r.last_exit)},
                {"expected", expected}});
  if (stopping_ || r.retire) {
    r.state = ReplicaState::kStopped;
  } else if (r.restart_after_stop) {
    r.restart_after_stop = false;
    r.policy.reset();
    if (auto launched = launch(r); !launched) {
      r.state = ReplicaState::kBackoff;
      r.deadline = now + options_.config.restart.initial_backoff;
    }
  } else if (auto delay = r.policy.exited(now)) {
    r.state = ReplicaState::kBackoff;
    r.deadline = now + *delay;
  } else {
    r.state = ReplicaState::kCrashLoop;
    context_.log(telemetry::Level::kError, "replica_crash_loop",
                 {{"child", std::string_view(r.name())},
                  {"exits", static_cast<std::int64_t>(options_.config.restart.crash_loop_restarts + 1)},
                  {"window_ms", static_cast<std::int64_t>(options_.config.restart.crash_loop_window.count())},
                  {"last_exit", std::string_view(r.last_exit)}});
  }
  changed();
}

void Supervisor::step(Replica& r, Clock::time_point now) {
  switch (r.state) {
    case ReplicaState::kStarting:
      if (now >= r.deadline) {
        context_.log(telemetry::Level::kWarn, "replica_not_ready",
                     {{"child", std::string_view(r.name())},
                      {"within_ms", static_cast<std::int64_t>(options_.config.ready_timeout.count())}});
        ::kill(r.pid, SIGKILL);  // reaped next tick, then restarted with backoff
        r.deadline = Clock::time_point::max();
      } else if (!r.probing) {
        r.probing = true;
        Replica* target = &r;
        auto body = [this, target]() { return probe(target); };
        if (!context_.tasks().spawn(context_.executor(0), "probe " + r.name(), body)) r.probing = false;
      }
      break;
    case ReplicaState::kStopping:
      if (r.pid > 0 && now >= r.deadline) {
        context_.log(telemetry::Level::kWarn, "replica_killed_after_stop_timeout",
                     {{"child", std::string_view(r.name())}});
        ::kill(r.pid, SIGKILL);
        r.deadline = Clock::time_point::max();
      }
      break;
    case ReplicaState::kBackoff:
      if (!stopping_ && now >= r.deadline) {
        if (auto launched = launch(r); !launched) {
          context_.log(
              telemetry::Level::kError, "replica_launch_failed",
              {{"child", std::string_view(r.name())}, {"detail", std::string_view(launched.error().detail)}});
          r.deadline = now + options_.config.restart.max_backoff;
        }
      }
      break;
    default:
      break;
  }
}

asio::awaitable<void> Supervisor::probe(Replica* r) {
  http::Request req;
  req.method = http::Method::kGet;
  req.method_text = "GET";
  req.target = "/health/ready";
  req.headers.add("User-Agent", "cloudcafe-supervisor");
  auto target = http_client::Target::parse(r->address());
  const pid_t probed = r->pid;
  auto outcome = co_await client_->send(*target, req, {.deadline = kProbeTimeout, .allow_retry = false});
  r->probing = false;
  if (r->state != ReplicaState::kStarting || r->pid != probed) co_return;
  if (!outcome.ok() || outcome.response.status != 200) {
    // Connection refused while it starts: ask again next tick, not at once.
    asio::steady_timer pause(co_await asio::this_coro::executor, options_.config.health_interval);
    r->probing = true;
    co_await pause.async_wait(asio::use_awaitable);
    r->probing = false;
    co_return;
  }
  const auto now = Clock::now();
  r->state = ReplicaState::kReady;
  r->ready_at = now;
  r->ever_ready = true;
  r->policy.ready(now);
  gateway_dirty_ = true;
  context_.log(telemetry::Level::kInfo, "replica_ready",
               {{"child", std::string_view(r->name())},
                {"after_ms", std::chrono::duration<double, std::milli>(now - r->started_at).count()}});
  changed();
}

void Supervisor::advance_first_start(Clock::time_point now) {
  auto settled = [](const Replica& r) {
    return r.state == ReplicaState::kReady || r.state == ReplicaState::kCrashLoop ||
           r.state == ReplicaState::kStopped;
  };
  std::string failure;
  for (const auto& r : replicas_) {
    if (rank_of(r->service) > started_rank_) continue;
    if (r->state == ReplicaState::kCrashLoop)
      failure = r->name() + " is crash-looping (" + r->last_exit + "; see " +
                (options_.dir.logs() / (r->service + "-" + std::to_string(r->index) + ".log")).string() + ")";
  }
  if (failure.empty() &&
      now - first_start_began_ > options_.config.ready_timeout + options_.config.ready_timeout) {
    failure = "the cluster did not become ready within " +
              std::to_string(2 * options_.config.ready_timeout.count()) + " ms";
  }
  const bool rank_done = std::all_of(replicas_.begin(), replicas_.end(), [&](const auto& r) {
    return rank_of(r->service) > started_rank_ || settled(*r);
  });
  if (failure.empty() && rank_done && started_rank_ < 2) {
    ++started_rank_;
    for (auto& r : replicas_) {
      if (rank_of(r->service) != started_rank_) continue;
      if (auto launched = launch(*r); !launched)
        failure = "cannot start " + r->name() + ": " + launched.error().detail;
    }
    return;
  }
  if (failure.empty() && !(rank_done && started_rank_ == 2 && routes_current(now))) return;
  {
    std::lock_guard lock(first_start_mutex_);
    first_start_failure_ = failure;
    first_start_done_ = true;
  }
  first_start_cv_.notify_all();
  context_.log(failure.empty() ? telemetry::Level::kInfo : telemetry::Level::kError,
               failure.empty() ? "cluster_ready" : "cluster_start_failed",
               {{"after_ms", std::chrono::duration<double, std::milli>(now - first_start_began_).count()},
                {"replicas", static_cast<std::int64_t>(replicas_.size())},
                {"detail", std::string_view(failure)}});
}

std::string Supervisor::wait_first_start(Deadline deadline) {
  std::unique_lock lock(first_start_mutex_);
  if (!first_start_cv_.wait_until(lock, deadline.at(), [&] { return first_start_done_.load(); }))
    return "the cluster did not become ready in time";
  return first_start_failure_;
}

void Supervisor::begin_stop(Replica& r, bool retire, bool restart_after) {
  r.retire = r.retire || retire;
  r.restart_after_stop = restart_after;
  if (!r.running()) {
    if (retire) r.state = ReplicaState::kStopped;
    changed();
    return;
  }
  if (r.state == ReplicaState::kStopping) return;
  if (r.state == ReplicaState::kPaused) ::kill(r.pid, SIGCONT);  // a stopped process cannot handle SIGTERM
  r.state = ReplicaState::kStopping;
  r.deadline = Clock::time_point::max();  // set once SIGTERM is sent
  Replica* target = &r;
  auto body = [this, target]() { return stop_replica(target); };
  if (!context_.tasks().spawn(context_.executor(0), "stop " + r.name(), body)) {
    ::kill(r.pid, SIGTERM);
    r.deadline = Clock::now() + options_.config.stop_timeout;
  }
}

// Drained from every gateway first, so no new request reaches it, then
// SIGTERM: the replica finishes what it has in flight and exits.
asio::awaitable<void> Supervisor::stop_replica(Replica* r) {
  co_await unroute(r);
  if (r->pid > 0 && r->state == ReplicaState::kStopping) {
    ::kill(r->pid, SIGTERM);
    r->deadline = Clock::now() + options_.config.stop_timeout;
  }
}

asio::awaitable<void> Supervisor::unroute(Replica* r) {
  if (rank_of(r->service) != 1) co_return;
  const std::string path = "/admin/targets/" + r->service + "/" + r->address();
  for (const auto& g : replicas_) {
    if (rank_of(g->service) != 2 || g->state != ReplicaState::kReady) continue;
    auto target = http_client::Target::parse(g->address());
    auto req = admin_request(http::Method::kDelete, "DELETE", path, options_.admin_token);
    auto outcome =
        co_await client_->send(*target, req, {.deadline = kAdminCallTimeout, .allow_retry = false});
    if (!outcome.ok() || (outcome.response.status != 202 && outcome.response.status != 404)) {
      context_.log(telemetry::Level::kWarn, "gateway_update_failed",
                   {{"gateway", std::string_view(g->name())},
                    {"child", std::string_view(r->name())},
                    {"detail", std::string_view(outcome.ok() ? outcome.response.body : outcome.detail)}});
    }
  }
}

// Makes every ready gateway's target groups match the replicas that are
// ready (or paused: from outside a paused replica is a hung one, and the
// gateway's own health checks must find that out, as they would in a real
// outage).
bool Supervisor::routes_current(Clock::time_point) const {
  // A whole sync round began after the last replica became ready.
  Clock::time_point last_ready{};
  for (const auto& r : replicas_)
    if (r->state == ReplicaState::kReady) last_ready = std::max(last_ready, r->ready_at);
  return last_sync_completed_began_ > last_ready;
}

asio::awaitable<void> Supervisor::sync_gateways() {
  const auto began = Clock::now();
  std::map<std::string, std::set<std::string>> desired;
  for (const auto& r : replicas_) {
    if (rank_of(r->service) != 1) continue;
    if (r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused)
      desired[r->service].insert(r->address());
  }
  std::vector<Replica*> gateways;
  for (const auto& g : replicas_)
    if (rank_of(g->service) == 2 && g->state == ReplicaState::kReady) gateways.push_back(g.get());
  for (Replica* g : gateways) {
    auto target = http_client::Target::parse(g->address());
    auto list_req = admin_request(http::Method::kGet, "GET", "/admin/targets", options_.admin_token);
    auto listed =
        co_await client_->send(*target, list_req, {.deadline = kAdminCallTimeout, .allow_retry = false});
    if (!listed.ok() || listed.response.status != 200) continue;
    auto parsed = json::parse(listed.response.body, {.max_depth = 8, .max_bytes = 4 << 20});
    if (!parsed || !parsed->is_object()) continue;
    const auto* groups = parsed->as_object().if_contains("groups");
    if (!groups || !groups->is_array()) continue;
    for (const auto& gv : groups->as_array()) {
      if (!gv.is_object()) continue;
      const auto& go = gv.as_object();
      const auto* name = go.if_contains("group");
      const auto* targets = go.if_contains("targets");
      if (!name || !name->is_string() || !targets || !targets->is_array()) continue;
      const std::string group(name->as_string());
      std::set<std::string> present;  // members not draining
      std::set<std::string> draining;
      for (const auto& tv : targets->as_array()) {
        if (!tv.is_object()) continue;
        const auto* address = tv.as_object().if_contains("address");
        const auto* is_draining = tv.as_object().if_contains("draining");
        if (!address || !address->is_string()) continue;
        const bool d = is_draining && is_draining->is_bool() && is_draining->as_bool();
        (d ? draining : present).insert(std::string(address->as_string()));
      }
      const auto& want = desired[group];
      for (const auto& address : want) {
        if (present.contains(address) || draining.contains(address))
          continue;  // a draining one leaves, then returns
        auto add = admin_request(http::Method::kPost, "POST", "/admin/targets/" + group, options_.admin_token,
                                 boost::json::serialize(boost::json::object{{"address", address}}));
        auto added =
            co_await client_->send(*target, add, {.deadline = kAdminCallTimeout, .allow_retry = false});
        if (added.ok() && added.response.status == 201) {
          context_.log(telemetry::Level::kInfo, "gateway_target_added",
                       {{"gateway", std::string_view(g->name())},
                        {"group", std::string_view(group)},
                        {"address", std::string_view(address)}});
        }
      }
      for (const auto& address : present) {
        if (want.contains(address)) continue;
        std::string path = "/admin/targets/";
        path += group;
        path += '/';
        path += address;
        auto drain = admin_request(http::Method::kDelete, "DELETE", std::move(path), options_.admin_token);
        auto drained =
            co_await client_->send(*target, drain, {.deadline = kAdminCallTimeout, .allow_retry = false});
        if (drained.ok() && drained.response.status == 202) {
          context_.log(telemetry::Level::kInfo, "gateway_target_drained",
                       {{"gateway", std::string_view(g->name())},
                        {"group", std::string_view(group)},
                        {"address", std::string_view(address)}});
        }
      }
    }
  }
  last_sync_completed_began_ = std::max(last_sync_completed_began_, began);
}

asio::awaitable<void> Supervisor::scrape() {
  std::vector<Replica*> ready;
  for (const auto& r : replicas_)
    if (r->state == ReplicaState::kReady) ready.push_back(r.get());
  for (Replica* r : ready) {
    http::Request req;
    req.method = http::Method::kGet;
    req.method_text = "GET";
    req.target = "/metrics";
    req.headers.add("User-Agent", "cloudcafe-supervisor");
    auto target = http_client::Target::parse(r->address());
    const pid_t scraped = r->pid;
    auto outcome = co_await client_->send(*target, req, {.deadline = 500ms, .allow_retry = false});
    if (!outcome.ok() || outcome.response.status != 200 || r->pid != scraped) continue;
    auto totals = parse_http_totals(outcome.response.body);
    if (!totals) continue;
    r->metrics_before = std::move(r->metrics_after);
    r->metrics_before_at = r->metrics_after_at;
    r->metrics_after = std::move(*totals);
    r->metrics_after_at = Clock::now();
  }
}

// Replicas write their logs through an O_APPEND descriptor, so a copy and
// a truncation bound the file without the replica reopening anything (a
// few lines written between the two can be lost).
void Supervisor::rotate_logs() {
  for (const auto& r : replicas_) {
    const auto path = options_.dir.logs() / (r->service + "-" + std::to_string(r->index) + ".log");
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size < kLogLimitBytes) continue;
    std::filesystem::copy_file(path, path.string() + ".1", std::filesystem::copy_options::overwrite_existing,
                               ec);
    if (!ec) ::truncate(path.c_str(), 0);
  }
}

void Supervisor::changed() {
  std::vector<pid_t> pids;
  for (const auto& r : replicas_)
    if (r->pid > 0) pids.push_back(r->pid);
  if (pids != written_pids_) {
    if (auto written = write_child_pids(options_.dir, pids); written) written_pids_ = pids;
  }
  if (options_.replicas_changed) {
    std::vector<const Replica*> running;
    for (const auto& r : replicas_)
      if (r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused) running.push_back(r.get());
    options_.replicas_changed(running);
  }
}

Replica* Supervisor::find(const std::string& name) {
  std::string wanted = name;
  if (auto dash = wanted.rfind('-'); wanted.find('/') == std::string::npos && dash != std::string::npos)
    wanted[dash] = '/';  // "order-1" as well as "order/1"
  for (auto& r : replicas_)
    if (r->name() == wanted && r->state != ReplicaState::kStopped) return r.get();
  return nullptr;
}

Result<Replica*> Supervisor::operable(const std::string& name) {
  if (stopping_) return Error::make(ErrorCode::kFailedPrecondition, "the cluster is stopping");
  Replica* r = find(name);
  if (!r) return Error::not_found("no replica '" + name + "'");
  return r;
}

Result<void> Supervisor::signal(const std::string& name, int signal) {
  auto found = operable(name);
  if (!found) return found.error();
  Replica* r = *found;
  if (r->pid <= 0)
    return Error::make(ErrorCode::kFailedPrecondition,
                       name + " is not running (" + to_string(r->state) + ")");
  if (::kill(r->pid, signal) != 0) return Error::unavailable("kill " + name + ": " + std::strerror(errno));
  context_.log(telemetry::Level::kWarn, "replica_signalled",
               {{"child", std::string_view(r->name())}, {"signal", std::string_view(signal_name(signal))}});
  return {};
}

Result<void> Supervisor::terminate(const std::string& name) {
  auto found = operable(name);
  if (!found) return found.error();
  Replica* r = *found;
  if (!r->running())
    return Error::make(ErrorCode::kFailedPrecondition,
                       name + " is not running (" + to_string(r->state) + ")");
  // Like a task stopped by its orchestrator: drained, stopped, replaced.
  begin_stop(*r, false, true);
  return {};
}

Result<void> Supervisor::restart(const std::string& name) {
  auto found = operable(name);
  if (!found) return found.error();
  Replica* r = *found;
  if (r->running()) {
    begin_stop(*r, false, true);
    return {};
  }
  r->policy.reset();
  return launch(*r);
}

Result<void> Supervisor::pause(const std::string& name) {
  auto found = operable(name);
  if (!found) return found.error();
  Replica* r = *found;
  if (r->state != ReplicaState::kReady)
    return Error::conflict(name + " is " + to_string(r->state) + ", not ready");
  if (::kill(r->pid, SIGSTOP) != 0)
    return Error::unavailable("SIGSTOP " + name + ": " + std::strerror(errno));
  r->state = ReplicaState::kPaused;
  context_.log(telemetry::Level::kWarn, "replica_paused", {{"child", std::string_view(r->name())}});
  changed();
  return {};
}

Result<void> Supervisor::resume(const std::string& name) {
  auto found = operable(name);
  if (!found) return found.error();
  Replica* r = *found;
  if (r->state != ReplicaState::kPaused)
    return Error::conflict(name + " is " + to_string(r->state) + ", not paused");
  if (::kill(r->pid, SIGCONT) != 0)
    return Error::unavailable("SIGCONT " + name + ": " + std::strerror(errno));
  r->state = ReplicaState::kReady;
  context_.log(telemetry::Level::kInfo, "replica_resumed", {{"child", std::string_view(r->name())}});
  changed();
  return {};
}

Result<void> Supervisor::scale(const std::string& service, int replicas) {
  if (stopping_) return Error::make(ErrorCode::kFailedPrecondition, "the cluster is stopping");
  const service::Definition* d = options_.registry->find(service);
  auto placement = std::find_if(placements_.begin(), placements_.end(),
                                [&](const ServicePlacement& p) { return p.service == service; });
  if (!d || placement == placements_.end()) return Error::not_found("no service '" + service + "'");
  if (replicas < 0 || replicas > kMaxReplicas)
    return Error::invalid("replicas must be 0-" + std::to_string(kMaxReplicas),
                          {{"replicas", "out of range"}});
  if (d->cluster.role == Role::kBus) return Error::invalid("the bus is one process and does not scale");
  if (d->cluster.role == Role::kGateway)
    return Error::invalid("the gateway holds the cluster's address and does not scale");
  std::vector<Replica*> active;
  NodeLoad load;
  for (auto& r : replicas_) {
    if (r->state == ReplicaState::kStopped || r->retire) continue;
    ++load.overall[r->node];
    if (r->service != service) continue;
    active.push_back(r.get());
    ++load.of_service[r->node];
  }
  context_.log(telemetry::Level::kInfo, "service_scaled",
               {{"service", std::string_view(service)},
                {"from", static_cast<std::int64_t>(active.size())},
                {"to", static_cast<std::int64_t>(replicas)}});
  if (!room_for_replicas(static_cast<std::size_t>(std::max(0, replicas - static_cast<int>(active.size())))))
    return Error::make(
        ErrorCode::kResourceExhausted,
        "the supervisor tracks at most " + std::to_string(kMaxTrackedReplicas) + " replicas over its life");
  while (static_cast<int>(active.size()) < replicas) {
    auto node = choose_node(options_.config.nodes, placement->nodes, cordoned_, load);
    if (!node)
      return Error::make(ErrorCode::kFailedPrecondition,
                         "no node can take another " + service + " replica (all cordoned)");
    Replica& r = add_replica(service, *node);
    if (r.port == 0) return Error::unavailable("no free loopback port for " + r.name());
    if (auto launched = launch(r); !launched) return launched;
    ++load.of_service[*node];
    ++load.overall[*node];
    active.push_back(&r);
  }
  // The newest go first, as an orchestrator scaling in does.
  std::sort(active.begin(), active.end(),
            [](const Replica* a, const Replica* b) { return a->index < b->index; });
  while (static_cast<int>(active.size()) > replicas) {
    begin_stop(*active.back(), true, false);
    active.pop_back();
  }
  return {};
}

Result<void> Supervisor::drain_node(const std::string& node) {
  if (stopping_) return Error::make(ErrorCode::kFailedPrecondition, "the cluster is stopping");
  if (std::find(options_.config.nodes.begin(), options_.config.nodes.end(), node) ==
      options_.config.nodes.end())
    return Error::not_found("no node '" + node + "'");
  if (!room_for_replicas(replicas_.size()))
    return Error::make(
        ErrorCode::kResourceExhausted,
        "the supervisor tracks at most " + std::to_string(kMaxTrackedReplicas) + " replicas over its life");
  cordoned_.insert(node);
  context_.log(telemetry::Level::kWarn, "node_drained", {{"node", std::string_view(node)}});
  // Every replica there is replaced elsewhere first; it leaves once its
  // replacement is ready (the drain task below), so capacity never dips.
  std::vector<std::pair<Replica*, Replica*>> moves;
  NodeLoad load;
  for (auto& r : replicas_)
    if (r->state != ReplicaState::kStopped && !r->retire) ++load.overall[r->node];
  std::vector<Replica*> leaving;
  for (auto& r : replicas_)
    if (r->node == node && r->state != ReplicaState::kStopped && !r->retire && placed_on_nodes(r->service))
      leaving.push_back(r.get());
  for (Replica* old : leaving) {
    const auto& placement =
        *std::find_if(placements_.begin(), placements_.end(),
                      [&](const ServicePlacement& p) { return p.service == old->service; });
    load.of_service.clear();
    for (auto& r : replicas_)
      if (r->service == old->service && r->state != ReplicaState::kStopped && !r->retire)
        ++load.of_service[r->node];
    auto target_node = choose_node(options_.config.nodes, placement.nodes, cordoned_, load);
    Replica* replacement = nullptr;
    if (target_node) {
      Replica& fresh = add_replica(old->service, *target_node);
      if (fresh.port != 0 && launch(fresh)) {
        replacement = &fresh;
        ++load.overall[*target_node];
      }
    }
    old->retire = true;  // leaves for good, whether or not it was replaced
    moves.emplace_back(old, replacement);
  }
  auto body = [this, moves]() -> asio::awaitable<void> {
    asio::steady_timer wait(co_await asio::this_coro::executor);
    const auto give_up = Clock::now() + options_.config.ready_timeout;
    for (auto [old, replacement] : moves) {
      while (replacement && replacement->state == ReplicaState::kStarting && Clock::now() < give_up) {
        wait.expires_after(kTick);
        co_await wait.async_wait(asio::use_awaitable);
      }
      // Make sure every gateway routes to the replacement before the old one leaves.
      co_await sync_gateways();
      begin_stop(*old, true, false);
    }
  };
  if (auto spawned = context_.tasks().spawn(context_.executor(0), "drain " + node, body); !spawned)
    return spawned;
  return {};
}

Result<void> Supervisor::uncordon_node(const std::string& node) {
  if (std::find(options_.config.nodes.begin(), options_.config.nodes.end(), node) ==
      options_.config.nodes.end())
    return Error::not_found("no node '" + node + "'");
  cordoned_.erase(node);
  context_.log(telemetry::Level::kInfo, "node_uncordoned", {{"node", std::string_view(node)}});
  return {};
}

asio::awaitable<void> Supervisor::stop_everything() {
  stopping_ = true;
  context_.log(telemetry::Level::kInfo, "cluster_stopping", {});
  asio::steady_timer wait(co_await asio::this_coro::executor);
  for (int rank = 2; rank >= 0; --rank) {
    for (auto& r : replicas_) {
      if (rank_of(r->service) != rank) continue;
      r->retire = true;
      if (r->state == ReplicaState::kPaused) ::kill(r->pid, SIGCONT);
      if (r->pid > 0) {
        ::kill(r->pid, SIGTERM);
        r->state = ReplicaState::kStopping;
        r->deadline = Clock::now() + options_.config.stop_timeout;
      } else {
        r->state = ReplicaState::kStopped;
      }
    }
    // The tick reaps them, and SIGKILLs any still running past the deadline.
    while (std::any_of(replicas_.begin(), replicas_.end(),
                       [&](const auto& r) { return rank_of(r->service) == rank && r->pid > 0; })) {
      wait.expires_after(kTick);
      co_await wait.async_wait(asio::use_awaitable);
    }
  }
  changed();
  context_.log(telemetry::Level::kInfo, "cluster_stopped", {});
}

void Supervisor::stop_all() {
  asio::co_spawn(context_.executor(0), stop_everything(), asio::use_future).get();
}

std::string Supervisor::status_text() {
  auto render = [this]() -> asio::awaitable<std::string> {
    char line[256];
    std::string out;
    std::snprintf(line, sizeof line, "%-10s %-12s %-7s %-8s %-6s %-10s %8s %8s %8s %9s %8s\n", "SERVICE",
                  "REPLICA", "NODE", "PID", "PORT", "STATE", "RESTARTS", "UPTIME", "REQ/S", "P99(ms)",
                  "PSS(MB)");
    out += line;
    const auto now = Clock::now();
    for (const auto& r : replicas_) {
      if (r->state == ReplicaState::kStopped) continue;
      std::string rps = "-";
      std::string p99 = "-";
      if (r->metrics_before && r->metrics_after) {
        const double seconds =
            std::chrono::duration<double>(r->metrics_after_at - r->metrics_before_at).count();
        rps = std::to_string(std::lround(request_rate(*r->metrics_before, *r->metrics_after, seconds)));
        if (auto q = quantile(*r->metrics_before, *r->metrics_after, 0.99)) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.1f", *q * 1000);
          p99 = buf;
        }
      }
      std::string pss = "-";
      if (auto memory = r->pid > 0 ? process_memory(r->pid) : std::nullopt) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(memory->pss_bytes) / (1024.0 * 1024.0));
        pss = buf;
      }
      const std::string uptime =
          r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused
              ? format_duration(std::chrono::duration_cast<std::chrono::seconds>(now - r->ready_at))
              : "-";
      std::snprintf(line, sizeof line, "%-10s %-12s %-7s %-8s %-6u %-10s %8d %8s %8s %9s %8s\n",
                    r->service.c_str(), r->name().c_str(), r->node.c_str(),
                    r->pid > 0 ? std::to_string(r->pid).c_str() : "-", static_cast<unsigned>(r->port),
                    to_string(r->state), r->policy.restarts(), uptime.c_str(), rps.c_str(), p99.c_str(),
                    pss.c_str());
      out += line;
    }
    co_return out;
  };
  return asio::co_spawn(context_.executor(0), render(), asio::use_future).get();
}

boost::json::object Supervisor::describe() const {
  const auto now = Clock::now();
  boost::json::array replicas;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaState::kStopped) continue;
    boost::json::object o{{"service", r->service},
                          {"replica", r->name()},
                          {"node", r->node},
                          {"pid", r->pid},
                          {"port", r->port},
                          {"address", r->address()},
                          {"state", to_string(r->state)},
                          {"restarts", r->policy.restarts()},
                          {"last_exit", r->last_exit}};
    o["uptime_s"] = r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused
                        ? std::chrono::duration<double>(now - r->ready_at).count()
                        : 0.0;
    if (r->metrics_before && r->metrics_after) {
      const double seconds =
          std::chrono::duration<double>(r->metrics_after_at - r->metrics_before_at).count();
      o["rps"] = request_rate(*r->metrics_before, *r->metrics_after, seconds);
      if (auto q = quantile(*r->metrics_before, *r->metrics_after, 0.99)) o["p99_ms"] = *q * 1000;
    }
    if (auto memory = r->pid > 0 ? process_memory(r->pid) : std::nullopt) {
      o["pss_bytes"] = memory->pss_bytes;
      o["rss_bytes"] = memory->rss_bytes;
    }
    replicas.push_back(std::move(o));
  }
  boost::json::array nodes;
  for (const auto& n : options_.config.nodes)
    nodes.push_back({{"name", n}, {"cordoned", cordoned_.contains(n)}});
  return {{"stack", options_.stack},
          {"gateway", gateway_address_},
          {"ready", first_start_done_.load() && first_start_failure_.empty()},
          {"stopping", stopping_},
          {"nodes", std::move(nodes)},
          {"replicas", std::move(replicas)}};
}

}  // namespace cafe::cluster

namespace cafe::cluster {

namespace {
struct SupervisorConfig {};
}  // namespace

service::Definition supervisor_definition(SupervisorOptions& options, Supervisor** created) {
  return service::define<SupervisorConfig>({
      .name = "supervisor",
      .description = "the local cluster's supervisor and its control API",
      .read_config = {},
      .database = nullptr,
      .migrations = {},
      .cache = nullptr,
      .bus = nullptr,
      .bus_tables = {},
      .cluster = {},
      .make = [&options, created](service::ServiceContext& context,
                                  const SupervisorConfig&) -> Result<std::unique_ptr<service::Service>> {
        auto supervisor = std::make_unique<Supervisor>(context, options);
        *created = supervisor.get();
        return std::unique_ptr<service::Service>(std::move(supervisor));
      },
  });
}

}  // namespace cafe::cluster
