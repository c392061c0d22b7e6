// Starting one server of the stack as a direct child of the supervisor: on
// a fresh loopback port, recorded in a pid record, and waited for until it
// answers its own readiness probe. A server that loses its port to another
// process between the check and its bind is started again on another.
#pragma once

#include "cluster/process.h"
#include "cluster/stack/real_stack.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace cafe::cluster::stack {

struct ServerLaunch {
  std::string name;                                             // the component name
  std::function<Result<ProcessSpec>(std::uint16_t port)> spec;  // the command for a port
  std::function<Result<void>(std::uint16_t port)> ready;        // ok once it serves
  int stop_signal = SIGTERM;                                    // its graceful stop
};

struct RunningServer {
  Component component;
  int stop_signal = SIGTERM;
};

// kUnavailable "<name> exited at start: <log>" or kDeadlineExceeded
// "<name> not ready within ...: <log>"; a server that did not become
// ready is stopped before this returns.
Result<RunningServer> launch_server(const ServerLaunch& launch, const std::filesystem::path& run_dir,
                                    Deadline deadline);

// Stops servers (all signalled at once, newest first), SIGKILL for those
// still running at `deadline`, and removes their pid records. The first
// failure is returned after every server was tried.
Result<void> stop_servers(const std::vector<RunningServer>& servers, const std::filesystem::path& run_dir,
                          Deadline deadline);

}  // namespace cafe::cluster::stack
