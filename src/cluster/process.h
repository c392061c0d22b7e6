// Child processes of the cluster supervisor: every replica and, on the real
// stack, every server. A child dies with the supervisor (a parent-death
// signal, then a check that the parent is still the one that forked it, so
// a supervisor that died between fork and prctl leaves nothing behind),
// starts in its own session (a terminal's Ctrl-C reaches the supervisor,
// which stops children in order, not every child at once), and writes
// stdout and stderr to a log file.
#pragma once

#include "platform/core/error.h"

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cafe::cluster {

// An unprivileged account to run servers as when the supervisor is root
// (PostgreSQL refuses to run as root).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
};

// The account `name` (e.g. "nobody", "postgres"); kNotFound when absent.
Result<RunAs> lookup_user(const std::string& name);

struct ProcessSpec {
  std::vector<std::string> argv;   // argv[0]: the program (a path, or a name looked up in PATH)
  std::vector<std::string> env;    // the whole environment, "NAME=VALUE"
  std::filesystem::path log_path;  // stdout and stderr appended here; empty: /dev/null
  std::filesystem::path cwd;       // empty: the supervisor's
  std::optional<RunAs> run_as;     // switch to this account before exec
  int death_signal = SIGKILL;      // sent to the child when the supervisor dies
};

// Forks and execs `spec`. The returned pid is also the child's process group
// and session id. kInvalidArgument for an empty argv; kUnavailable when
// fork fails. A failed exec shows as the child exiting with status 127 and
// its reason in the log file.
Result<pid_t> spawn(const ProcessSpec& spec);

// The current environment as "NAME=VALUE" strings, without the variables
// whose names start with one of `drop_prefixes`.
std::vector<std::string> environment_without(const std::vector<std::string>& drop_prefixes);

// True while `pid` exists and is not a zombie.
bool process_alive(pid_t pid);

// The process's command line, arguments split (empty when it is gone).
std::vector<std::string> process_command_line(pid_t pid);

// Proportional and resident set size in bytes, from /proc/<pid>/smaps_rollup
// (nullopt when the process is gone or the file cannot be read).
struct Memory {
  std::uint64_t pss_bytes = 0;
  std::uint64_t rss_bytes = 0;
};
std::optional<Memory> process_memory(pid_t pid);

// "KILL", "SIGKILL", "9" -> 9; nullopt for anything else.
std::optional<int> parse_signal(const std::string& text);
std::string signal_name(int signal);

}  // namespace cafe::cluster
