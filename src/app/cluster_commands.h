// The cluster's CLI verbs: `up`, `status`, `logs`, `down`, and the actions
// on replicas, services and nodes that go through the supervisor's control
// API. Each returns the process exit code and prints a one-line error on
// failure.
#pragma once

#include <string>

namespace cafe::app {

struct UpArgs {
  std::string data_dir = "var";
  std::string config_path;
  std::string stack = "embedded";  // embedded | real
  bool detach = false;
  bool prometheus = false;  // also run Debian's Prometheus scraping every replica
  bool supervise = false;  // internal: the detached supervisor itself
};

int cluster_up(const UpArgs& args);
int cluster_status(const std::string& data_dir, bool json);
int cluster_logs(const std::string& data_dir, const std::string& filter, bool follow, bool json);
int cluster_down(const std::string& data_dir);
// `kill` (with a signal), `terminate`, `pause`, `resume`, `restart`.
int cluster_replica_action(const std::string& data_dir, const std::string& replica, const std::string& action,
                           const std::string& signal = {});
int cluster_scale(const std::string& data_dir, const std::string& service, int replicas);
// `drain` or `uncordon`.
int cluster_node_action(const std::string& data_dir, const std::string& node, const std::string& action);

}  // namespace cafe::app
