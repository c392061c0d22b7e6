#include "cluster/cluster_config.h"

#include "platform/config/map_reader.h"

#include <algorithm>
#include <map>

namespace cafe::cluster {

namespace {

using Role = service::ClusterTraits::Role;
constexpr milliseconds kMs{1};
constexpr std::chrono::hours kHour{1};

void read_port(config::MapReader& r, std::string_view key, std::uint16_t& out) {
  int port = out;
  r.field(key, port, 0, 65535);
  out = static_cast<std::uint16_t>(port);
}

}  // namespace

int start_rank(Role role) {
  switch (role) {
    case Role::kBus:
      return 0;
    case Role::kService:
      return 1;
    case Role::kGateway:
      return 2;
  }
  return 1;
}

void read_cluster_config(config::MapReader& r, ClusterConfig& c, const service::Registry& registry) {
  r.field("nodes", c.nodes);
  read_port(r, "gateway_port", c.gateway_port);
  read_port(r, "control_port", c.control_port);
  read_port(r, "prometheus_port", c.prometheus_port);
  r.field("ready_timeout", c.ready_timeout, 100 * kMs, kHour)
      .field("stop_timeout", c.stop_timeout, 100 * kMs, kHour)
      .field("health_interval", c.health_interval, 10 * kMs, std::chrono::minutes(1));
  r.section("restart", [&](config::MapReader& s) {
    s.field("initial_backoff", c.restart.initial_backoff, 10 * kMs, kHour)
        .field("max_backoff", c.restart.max_backoff, 10 * kMs, kHour)
        .field("crash_loop_restarts", c.restart.crash_loop_restarts, 1, 1000)
        .field("crash_loop_window", c.restart.crash_loop_window, 100 * kMs, 24 * kHour)
        .field("stable_after", c.restart.stable_after, 10 * kMs, kHour);
  });
  r.section("services", [&](config::MapReader& services) {
    // Every registered name is read (so any other key is reported as
    // unknown, with a "did you mean"); only those present become placements.
    for (const auto& d : registry.definitions()) {
      const bool present = services.has(d.name);
      ServicePlacement p{.service = d.name, .replicas = d.cluster.replicas, .nodes = {}, .base_port = 0};
      services.section(d.name, [&](config::MapReader& s) {
        s.field("replicas", p.replicas, 0, kMaxReplicas).field("nodes", p.nodes);
        read_port(s, "base_port", p.base_port);
      });
      if (present) c.services.push_back(std::move(p));
    }
  });
}

std::vector<ServicePlacement> placements(const ClusterConfig& config, const service::Registry& registry) {
  std::vector<ServicePlacement> out;
  for (int rank = 0; rank <= 2; ++rank) {
    for (const auto& d : registry.definitions()) {
      if (start_rank(d.cluster.role) != rank) continue;
      auto configured = std::find_if(config.services.begin(), config.services.end(),
                                     [&](const ServicePlacement& p) { return p.service == d.name; });
      out.push_back(
          configured != config.services.end()
              ? *configured
              : ServicePlacement{
                    .service = d.name, .replicas = d.cluster.replicas, .nodes = {}, .base_port = 0});
    }
  }
  return out;
}

Result<void> validate(const ClusterConfig& config, const service::Registry& registry) {
  auto fail = [](const std::string& key, const std::string& what) {
    return Error::invalid(key + ": " + what, {{key, what}});
  };
  if (config.nodes.empty()) return fail("cluster.nodes", "needs at least one node");
  for (std::size_t i = 0; i < config.nodes.size(); ++i) {
    const auto& n = config.nodes[i];
    const bool well_formed = !n.empty() && n.size() <= 40 && std::all_of(n.begin(), n.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    });
    const std::string key = "cluster.nodes[" + std::to_string(i) + "]";
    if (!well_formed) return fail(key, "node names are 1-40 of [a-z0-9-], got '" + n + "'");
    if (std::count(config.nodes.begin(), config.nodes.end(), n) > 1)
      return fail(key, "'" + n + "' is listed twice");
  }
  if (config.restart.max_backoff < config.restart.initial_backoff)
    return fail("cluster.restart.max_backoff", "must not be below initial_backoff");

  // Fixed ports: each owner and the port it takes.
  std::map<int, std::string> taken;
  auto claim = [&](int port, const std::string& key) -> Result<void> {
    if (port == 0) return {};
    if (port > 65535) return fail(key, "ports run to 65535; this one needs " + std::to_string(port));
    auto [it, inserted] = taken.emplace(port, key);
    if (!inserted) return fail(key, "port " + std::to_string(port) + " is also taken by " + it->second);
    return {};
  };
  if (auto r = claim(config.gateway_port, "cluster.gateway_port"); !r) return r;
  if (auto r = claim(config.control_port, "cluster.control_port"); !r) return r;
  if (auto r = claim(config.prometheus_port, "cluster.prometheus_port"); !r) return r;

  for (const auto& p : placements(config, registry)) {
    const std::string key = "cluster.services." + p.service;
    const Role role = registry.find(p.service)->cluster.role;
    if (role == Role::kBus && p.replicas > 1)
      return fail(key + ".replicas",
                  "the bus is one process (its log is one file); got " + std::to_string(p.replicas));
    if (role == Role::kGateway && p.replicas < 1)
      return fail(key + ".replicas", "the cluster needs a gateway");
    if (role == Role::kGateway && config.gateway_port != 0 && p.replicas > 1)
      return fail(key + ".replicas", "one gateway per cluster.gateway_port; set base_port for several");
    for (std::size_t i = 0; i < p.nodes.size(); ++i) {
      if (std::find(config.nodes.begin(), config.nodes.end(), p.nodes[i]) == config.nodes.end())
        return fail(key + ".nodes[" + std::to_string(i) + "]",
                    "no node '" + p.nodes[i] + "' in cluster.nodes");
    }
    // Scaling up later takes further ports from the base; reserve the most a
    // service can have.
    if (p.base_port != 0) {
      for (int i = 0; i < kMaxReplicas; ++i) {
        if (auto r = claim(p.base_port + i, key + ".base_port"); !r) return r;
      }
    }
  }
  return {};
}

}  // namespace cafe::cluster
