// The real stack under `cloudcafe up --stack real`: PostgreSQL (a primary
// and a streaming standby), Redis and NATS JetStream, started by the
// supervisor from the Debian packages as its own children and stopped on
// `down`. Everything lives under one directory: data kept across runs
// (initdb and the standby clone happen on the first run only), logs, and
// pid records of the running servers. Ports are fresh loopback ports on
// every start. When the supervisor is root the servers run as "postgres"
// (or "nobody").
//
// Servers are children of the thread that calls start(): the parent-death
// signal that takes them down with a killed supervisor fires when that
// thread ends, so call start() from a thread that lives as long as the
// stack (the main thread). The stack reaps its children with waitpid(pid):
// a supervisor must not reap them with waitpid(-1).
#pragma once

#include "platform/core/error.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cafe::cluster::stack {

struct StackOptions {
  std::filesystem::path dir;  // <data-dir>/stack: everything lives under it
  std::chrono::milliseconds start_timeout{30'000};
  std::chrono::milliseconds stop_timeout{15'000};
};

struct Component {
  std::string name;  // "postgres-primary", "postgres-standby", "redis", "nats"
  pid_t pid = 0;
  std::uint16_t port = 0;
  std::string log_path;
};

struct RunningServer;
struct PostgresSetup;
class DirLock;

class RealStack {
 public:
  // Stops what a killed supervisor left (clean_up_after_crash), then
  // starts every server; on any failure stops those already started and
  // says which failed and why ("initdb failed (exit status 1): <log>").
  // kFailedPrecondition while another supervisor runs a stack in `dir`.
  static Result<std::unique_ptr<RealStack>> start(const StackOptions& options);

  ~RealStack();  // stop()
  RealStack(const RealStack&) = delete;
  RealStack& operator=(const RealStack&) = delete;

  // Graceful (PostgreSQL fast shutdown, SIGTERM for the others), SIGKILL for
  // what still runs after stop_timeout. Idempotent.
  Result<void> stop();

  // In start order: postgres-primary, postgres-standby, redis, nats.
  const std::vector<Component>& components() const { return components_; }

  // The database of one service (created on first use, owned by the role
  // "cafe"), as a libpq multi-host conninfo that finds whichever server is
  // writable: "host=127.0.0.1,127.0.0.1 port=P,S user=cafe dbname=<service>
  // target_session_attrs=read-write connect_timeout=2". Service names:
  // a-z, 0-9 and _, starting with a letter (kInvalidArgument otherwise).
  Result<std::string> database_for(const std::string& service);

  // The superuser's conninfo for one server (ops and tests): "postgres-primary"
  // or "postgres-standby"; empty for any other name.
  std::string admin_conninfo(const std::string& server, const std::string& dbname) const;

  std::string redis_host() const { return "127.0.0.1"; }
  std::uint16_t redis_port() const;
  std::string nats_url() const;  // "nats://127.0.0.1:P", JetStream enabled, store under dir

 private:
  explicit RealStack(const StackOptions& options);
  Result<void> launch();
  std::uint16_t port_of(const std::string& name) const;

  StackOptions options_;
  std::unique_ptr<PostgresSetup> postgres_;
  std::vector<RunningServer> servers_;
  std::vector<Component> components_;
  std::unique_ptr<DirLock> lock_;
  std::mutex mutex_;  // database_for and stop may come from several threads
  bool stopped_ = false;
};

// Stops the servers a killed supervisor may have left running under `dir`
// (from their pid records; a pid since reused by another process is left
// alone), each gracefully, then SIGKILL after 15 s. Nothing to do is
// success. kFailedPrecondition while a live supervisor runs a stack there.
Result<void> clean_up_after_crash(const std::filesystem::path& dir);

}  // namespace cafe::cluster::stack
