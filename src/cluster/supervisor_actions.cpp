// The operator actions of the control API: signals, restarts, scaling, node drains.
#include "cluster/placement.h"
#include "cluster/stack/loopback.h"
#include "cluster/supervisor.h"
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

}  // namespace cafe::cluster
