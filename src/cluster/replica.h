// One replica as the supervisor tracks it: a "task" of a service, pinned to
// a node and a port for its life (restarts keep both, so the gateway's
// target and every peer's address stay valid).
#pragma once

#include "cluster/metrics_text.h"
#include "cluster/process.h"
#include "cluster/restart_policy.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace cafe::cluster {

enum class ReplicaState : std::uint8_t {
  kStarting,   // spawned; /health/ready has not answered yet
  kReady,      // ready and, for a service, in the gateway's rotation
  kPaused,     // SIGSTOPped by an operator: looks hung from outside
  kStopping,   // drained from the gateway; SIGTERM sent, SIGKILL past the deadline
  kBackoff,    // exited; restarts when its backoff ends
  kCrashLoop,  // exited too often: left down until an operator restarts it
  kStopped,    // stopped for good (scaled down, node drained, cluster down)
};

const char* to_string(ReplicaState state);

struct Replica {
  using Clock = std::chrono::steady_clock;

  Replica(std::string service_name, int replica_index, std::string node_name, std::uint16_t listen_port,
          const RestartPolicyConfig& restart)
      : service(std::move(service_name)),
        index(replica_index),
        node(std::move(node_name)),
        port(listen_port),
        policy(restart) {}

  std::string service;
  int index;
  std::string node;
  std::uint16_t port;
  RestartPolicy policy;

  ReplicaState state = ReplicaState::kStopped;
  pid_t pid = 0;
  Clock::time_point started_at{};
  Clock::time_point ready_at{};
  Clock::time_point deadline{};  // kStarting: ready by; kStopping: SIGKILL at; kBackoff: restart at
  bool probing = false;          // a readiness probe is in flight
  bool ever_ready = false;
  bool retire = false;              // once stopped, stays stopped (scale down, drain, down)
  bool restart_after_stop = false;  // an operator's restart: start again at once
  std::string last_exit;            // "exit 1", "SIGKILL"

  // The last two readings of its /metrics, for `status`.
  std::optional<HttpTotals> metrics_before;
  std::optional<HttpTotals> metrics_after;
  Clock::time_point metrics_before_at{};
  Clock::time_point metrics_after_at{};

  std::string name() const { return service + "/" + std::to_string(index); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  bool running() const {
    return state == ReplicaState::kStarting || state == ReplicaState::kReady ||
           state == ReplicaState::kPaused || state == ReplicaState::kStopping;
  }
};

}  // namespace cafe::cluster
