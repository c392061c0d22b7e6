#include "cluster/supervisor.h"

#include "cluster/placement.h"
#include "cluster/stack/loopback.h"
#include "cluster/supervisor_internal.h"
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
using namespace internal;

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
