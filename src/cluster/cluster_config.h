// The `cluster:` section of the config file: how many replicas of each
// service `cloudcafe up` runs, on which named nodes, on which ports, and how
// the supervisor restarts them. Every key is optional; a service's default
// replica count comes from its registry line (ClusterTraits).
//
//   cluster:
//     nodes: [node-a, node-b]
//     gateway_port: 8080              # 0: a free port, kept for the cluster's life
//     services:
//       menu: {replicas: 3}
//       order: {replicas: 2, nodes: [node-b], base_port: 9100}
//     restart: {initial_backoff: 200ms, max_backoff: 10s, crash_loop_restarts: 5, crash_loop_window: 1m}
#pragma once

#include "platform/core/error.h"
#include "platform/service/registry.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cafe::config {
class MapReader;
}

namespace cafe::cluster {

using std::chrono::milliseconds;

inline constexpr int kMaxReplicas = 16;

struct ServicePlacement {
  std::string service;
  int replicas = 1;
  std::vector<std::string> nodes;  // empty: every node
  std::uint16_t base_port = 0;     // 0: free ports; else replica i listens on base_port + i - 1
};

struct RestartPolicyConfig {
  milliseconds initial_backoff{200};
  milliseconds max_backoff{10'000};
  // This many exits within the window, none after a stable run, and the
  // supervisor stops restarting: the replica is crash-looping.
  int crash_loop_restarts = 5;
  milliseconds crash_loop_window{60'000};
  // Ready this long and the next exit starts the backoff afresh.
  milliseconds stable_after{10'000};
};

struct ClusterConfig {
  std::vector<std::string> nodes = {"node-a", "node-b"};
  // Only the services the file names; the rest take their registry default.
  std::vector<ServicePlacement> services;
  std::uint16_t gateway_port = 0;
  std::uint16_t control_port = 0;
  std::uint16_t prometheus_port = 0;
  milliseconds ready_timeout{20'000};  // a replica not ready by then is killed and restarted
  milliseconds stop_timeout{15'000};   // SIGTERM, then SIGKILL past it
  milliseconds health_interval{100};   // readiness polls while a replica starts
  RestartPolicyConfig restart;
};

// Reads the keys under `cluster:`; service names are checked against
// `registry`.
void read_cluster_config(config::MapReader& reader, ClusterConfig& config, const service::Registry& registry);

// What the reader cannot see key by key: replica counts against each
// service's role (one bus; at least one gateway), nodes named by services
// that exist, and fixed ports that clash. kInvalidArgument naming the key.
Result<void> validate(const ClusterConfig& config, const service::Registry& registry);

// Where a role starts in the cluster's start order: 0 the bus, 1 the
// services, 2 the gateway (stopped in the reverse order).
int start_rank(service::ClusterTraits::Role role);

// Every registered service with its replica count, nodes and base port
// (the file's word or the registry's default), in start order: the bus,
// then the services, then the gateway.
std::vector<ServicePlacement> placements(const ClusterConfig& config, const service::Registry& registry);

}  // namespace cafe::cluster
