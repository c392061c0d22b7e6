// Where a cluster lives on disk (`--data-dir`, default ./var):
//   admin.token      the admin token of every process, generated once (0600)
//   supervisor.lock  held (flock) by the running supervisor: one `up` per dir
//   cluster.json     how the CLI finds the supervisor (pid, control address, gateway URL)
//   children.pids    every child the supervisor started, so a later `up`
//                    can stop what a killed supervisor left
//   logs/            one JSON-lines file per replica, and the supervisor's
//   data/<service>/  each service's embedded databases, shared by its replicas
//   stack/           PostgreSQL, Redis and NATS of `--stack real`
//   prometheus/      the file-based service discovery file, and Prometheus's own data
#pragma once

#include "platform/core/error.h"

#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cafe::cluster {

class DataDir {
 public:
  // `root` is made absolute: children run elsewhere.
  explicit DataDir(const std::filesystem::path& root);

  const std::filesystem::path& root() const noexcept { return root_; }
  std::filesystem::path token_file() const { return root_ / "admin.token"; }
  std::filesystem::path lock_file() const { return root_ / "supervisor.lock"; }
  std::filesystem::path state_file() const { return root_ / "cluster.json"; }
  std::filesystem::path pids_file() const { return root_ / "children.pids"; }
  std::filesystem::path logs() const { return root_ / "logs"; }
  std::filesystem::path data(const std::string& service) const { return root_ / "data" / service; }
  std::filesystem::path stack() const { return root_ / "stack"; }
  std::filesystem::path prometheus() const { return root_ / "prometheus"; }

  // Creates the directories: logs/ and data/ 0700, the root 0711 (the token
  // is 0600; the real stack's servers, run as another user, reach stack/).
  Result<void> create() const;
  // The admin token, generated on first use (32 hex characters, mode 0600).
  Result<std::string> ensure_token() const;

 private:
  std::filesystem::path root_;
};

// The running supervisor's exclusive hold on a data dir, released when the
// process ends however it ends (the kernel drops the flock).
class ClusterLock {
 public:
  // kConflict when another supervisor holds it.
  static Result<ClusterLock> acquire(const DataDir& dir);
  ClusterLock(ClusterLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ClusterLock& operator=(ClusterLock&&) = delete;
  ~ClusterLock();

 private:
  explicit ClusterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// True while some process holds the data dir's lock.
bool cluster_running(const DataDir& dir);

struct ClusterState {
  pid_t supervisor_pid = 0;
  std::string control;     // host:port of the control API
  std::string gateway;     // host:port of the first gateway replica
  std::string stack;       // embedded | real
  std::string prometheus;  // URL, or empty
  bool ready = false;      // every replica of the first start was ready
  std::string failure;     // why the start failed, when it did
};

Result<void> write_state(const DataDir& dir, const ClusterState& state);
// kNotFound when no supervisor ever wrote one.
Result<ClusterState> read_state(const DataDir& dir);

// The children a killed supervisor may have left: each listed pid that is
// still alive and still runs under this data dir gets SIGKILL. Returns how
// many were stopped.
int stop_leftover_children(const DataDir& dir);
Result<void> write_child_pids(const DataDir& dir, const std::vector<pid_t>& pids);

}  // namespace cafe::cluster
