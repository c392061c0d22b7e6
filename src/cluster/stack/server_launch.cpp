#include "cluster/stack/server_launch.h"

#include "cluster/stack/child_process.h"
#include "cluster/stack/loopback.h"
#include "cluster/stack/pid_records.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

namespace cafe::cluster::stack {

namespace {

using namespace std::chrono_literals;

constexpr int kPortAttempts = 3;
constexpr auto kProbeInterval = 25ms;

std::uintmax_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

// What this start wrote to the log (logs are appended across runs).
std::string written_since(const std::filesystem::path& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

bool lost_its_port(const std::string& log) {
  return log.find("in use") != std::string::npos || log.find("could not bind") != std::string::npos ||
         log.find("could not create any TCP/IP sockets") != std::string::npos;
}

}  // namespace

Result<RunningServer> launch_server(const ServerLaunch& launch, const std::filesystem::path& run_dir,
                                    Deadline deadline) {
  for (int attempt = 1;; ++attempt) {
    auto port = free_loopback_port();
    if (!port) return port.error();
    auto prepared = launch.spec(*port);
    if (!prepared) return Error::unavailable(launch.name + " did not start: " + prepared.error().detail);
    const ProcessSpec& spec = *prepared;
    const auto log_start = file_size_or_zero(spec.log_path);
    auto pid = spawn(spec);
    if (!pid) return Error::unavailable(launch.name + " did not start: " + pid.error().detail);
    const PidRecord record{.name = launch.name,
                           .pid = *pid,
                           .start_time = process_start_time(*pid),
                           .stop_signal = launch.stop_signal};
    if (auto recorded = write_pid_record(run_dir, record); !recorded) {
      (void)stop_process(*pid, SIGKILL, deadline);
      return recorded.error();
    }
    RunningServer server{
        .component = {.name = launch.name, .pid = *pid, .port = *port, .log_path = spec.log_path.string()},
        .stop_signal = launch.stop_signal};
    Result<void> probe = Error::unavailable("not probed");
    while (!(probe = launch.ready(*port))) {
      if (child_exited(*pid)) break;
      if (deadline.expired()) break;
      std::this_thread::sleep_for(kProbeInterval);
    }
    if (probe) return server;
    const bool exited = child_exited(*pid);
    if (!exited) (void)stop_process(*pid, SIGKILL, deadline);
    remove_pid_record(run_dir, launch.name);
    const std::string log = written_since(spec.log_path, log_start);
    if (exited && lost_its_port(log) && attempt < kPortAttempts) continue;
    if (exited) return Error::unavailable(launch.name + " exited at start: " + log);
    return Error::make(ErrorCode::kDeadlineExceeded,
                       launch.name + " not ready in time (last probe: " + probe.error().detail + "): " + log);
  }
}

Result<void> stop_servers(const std::vector<RunningServer>& servers, const std::filesystem::path& run_dir,
                          Deadline deadline) {
  for (auto it = servers.rbegin(); it != servers.rend(); ++it) ::kill(it->component.pid, it->stop_signal);
  Result<void> outcome = ok();
  for (auto it = servers.rbegin(); it != servers.rend(); ++it) {
    auto stopped = finish_stop(it->component.pid, deadline);
    if (stopped) {
      remove_pid_record(run_dir, it->component.name);
    } else if (outcome) {
      outcome = Error::unavailable(it->component.name + ": " + stopped.error().detail);
    }
  }
  return outcome;
}

}  // namespace cafe::cluster::stack
