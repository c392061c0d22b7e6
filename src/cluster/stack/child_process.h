// Waiting on and stopping the servers the stack starts, and running the
// short commands it needs (initdb, pg_basebackup, psql), each bounded by a
// deadline: a command still running at its deadline is killed.
#pragma once

#include "cluster/process.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace cafe::cluster::stack {

// Runs `spec` to completion. kDeadlineExceeded when it is still running at
// `deadline` (it is killed), kUnavailable when it exits non-zero; both say
// "<what> failed: <tail of its log>".
Result<void> run_to_completion(const ProcessSpec& spec, Deadline deadline, std::string_view what);

// Reaps the child `pid` if it has exited (true), or reports it still runs.
// A child already reaped elsewhere counts as exited.
bool child_exited(pid_t pid);

// Waits until `pid` (a child, reaped, or a process a crashed supervisor left
// behind) is gone; false when it still runs at `deadline`.
bool wait_gone(pid_t pid, Deadline deadline);

// `graceful` now, then finish_stop(). Works for children (reaped) and for
// processes a crashed supervisor left behind.
Result<void> stop_process(pid_t pid, int graceful, Deadline deadline);

// For a process already sent its graceful signal (some servers take a
// second one as "exit now"): waits until `deadline`, then SIGKILL and a
// bounded wait. kUnavailable when it survived even SIGKILL.
Result<void> finish_stop(pid_t pid, Deadline deadline);

// The last `bytes` of a log file, for error messages ("" when unreadable).
std::string log_tail(const std::filesystem::path& path, std::size_t bytes = 1500);

}  // namespace cafe::cluster::stack
