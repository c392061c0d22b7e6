// One `cloudcafe serve SERVICE` process of the built binary, with its
// stderr in a file, for tests that drive the binary as a user would and
// kill it as an outage would. Killed (SIGKILL) and reaped when destroyed.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cafe::test {

// `$CAFE_BINARY_DIR/src/cloudcafe`.
std::string cloudcafe_binary();
std::string read_file(const std::filesystem::path& path);

class ServeProcess {
 public:
  // Writes `config_yaml` to <dir>/<name>.yaml and starts the service with
  // --data-dir <dir>/data and a ready file; `extra` args follow.
  ServeProcess(const std::filesystem::path& dir, const std::string& service, const std::string& config_yaml,
               std::vector<std::string> extra = {}, std::string name = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  bool spawned() const { return pid_ > 0; }
  // Waits for the ready file; false when the process exited first or the
  // time ran out.
  bool wait_ready(std::chrono::milliseconds within);
  // "host:port" from the ready file (after wait_ready).
  std::string address() const;

  void terminate();
  void kill();  // SIGKILL, then reaped
  bool wait_exit(std::chrono::milliseconds within);
  int status() const { return status_; }
  std::string log() const;

 private:
  std::filesystem::path dir_;
  std::string name_;
  pid_t pid_ = 0;
  bool exited_ = false;
  int status_ = 0;
};

}  // namespace cafe::test
