// What the stack writes down about every server it starts, so that a
// supervisor that was killed (SIGKILL: no chance to stop its children) can
// be followed by one that stops whatever is still running. A record holds
// the pid and the process's start time, so a pid the kernel has since given
// to another process is never signalled.
#pragma once

#include "platform/core/error.h"

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cafe::cluster::stack {

struct PidRecord {
  std::string name;  // the component, e.g. "postgres-primary"
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // /proc/<pid>/stat field 22, clock ticks since boot
  int stop_signal = SIGTERM;     // the server's graceful stop
};

// The start time of `pid` (0 when it is gone).
std::uint64_t process_start_time(pid_t pid);

// <run_dir>/<name>.pid, written atomically.
Result<void> write_pid_record(const std::filesystem::path& run_dir, const PidRecord& record);
void remove_pid_record(const std::filesystem::path& run_dir, const std::string& name);

// Every record in `run_dir`; unreadable files are skipped.
std::vector<PidRecord> read_pid_records(const std::filesystem::path& run_dir);

// Whether the record's process is still the one that was started.
bool still_running(const PidRecord& record);

}  // namespace cafe::cluster::stack
