// `cloudcafe serve SERVICE`: runs one service until SIGINT/SIGTERM.
#pragma once

#include "app/config.h"

#include <string>

namespace cafe::app {

// Exit status when the shutdown did not finish within shutdown.timeout.
inline constexpr int kExitShutdownTimedOut = 3;

struct ServeArgs {
  std::string service;      // a name from app::services()
  std::string config_path;  // empty: defaults + environment
  std::string listen;       // "host:port"; empty: 127.0.0.1:0 (the OS picks)
  std::string data_dir = "data";
  int threads = 0;         // 0: http.threads from the config
  std::string ready_file;  // written with "host:port" once listening
  std::string replica;     // empty: "<service>-<pid>"
};

// Returns the process exit code; prints a one-line error on failure. When
// the shutdown overruns shutdown.timeout, logs what still runs and ends the
// process at once with kExitShutdownTimedOut: a phase is stuck, so nothing
// can be unwound.
int serve(const ServeArgs& args);

// Parses "host:port" (port 0..65535).
Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text);

// Writes `content` to `path` atomically (temp file + rename).
Result<void> write_file_atomically(const std::string& path, const std::string& content);

}  // namespace cafe::app
