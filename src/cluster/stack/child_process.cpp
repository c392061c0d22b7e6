#include "cluster/stack/child_process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <thread>

namespace cafe::cluster::stack {

namespace {

using namespace std::chrono_literals;

// Children cannot be waited for with a timeout; a short poll keeps each
// wait bounded and costs nothing measurable at these rates.
constexpr auto kPollInterval = 10ms;
// After SIGKILL the kernel frees a process promptly unless it is stuck in
// uninterruptible I/O; this bounds the wait for that case.
constexpr auto kKillGrace = 5s;

}  // namespace

bool child_exited(pid_t pid) {
  int status = 0;
  const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
  if (reaped == pid) return true;
  if (reaped < 0 && errno == ECHILD) return !process_alive(pid);  // not ours, or reaped elsewhere
  return false;
}

bool wait_gone(pid_t pid, Deadline deadline) {
  while (!child_exited(pid)) {
    if (deadline.expired()) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

Result<void> stop_process(pid_t pid, int graceful, Deadline deadline) {
  if (pid <= 0 || wait_gone(pid, Deadline::after(0ms))) return ok();
  ::kill(pid, graceful);
  return finish_stop(pid, deadline);
}

Result<void> finish_stop(pid_t pid, Deadline deadline) {
  if (pid <= 0 || wait_gone(pid, deadline)) return ok();
  ::kill(pid, SIGKILL);
  if (wait_gone(pid, Deadline::after(kKillGrace))) return ok();
  return Error::unavailable("process " + std::to_string(pid) + " survived SIGKILL");
}

std::string log_tail(const std::filesystem::path& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(static_cast<std::streamoff>(size > bytes ? size - bytes : 0));
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  return tail;
}

Result<void> run_to_completion(const ProcessSpec& spec, Deadline deadline, std::string_view what) {
  auto pid = spawn(spec);
  if (!pid) return Error::unavailable(std::string(what) + " failed: " + pid.error().detail);
  int status = 0;
  for (;;) {
    const pid_t reaped = ::waitpid(*pid, &status, WNOHANG);
    if (reaped == *pid) break;
    if (reaped < 0 && errno != EINTR) {
      return Error::unavailable(std::string(what) + " failed: its exit status was lost (reaped elsewhere)");
    }
    if (deadline.expired()) {
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, &status, 0);
      return Error::make(
          ErrorCode::kDeadlineExceeded,
          std::string(what) + " failed: still running at its deadline: " + log_tail(spec.log_path));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok();
  const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : signal_name(WTERMSIG(status));
  return Error::unavailable(std::string(what) + " failed (" + how + "): " + log_tail(spec.log_path));
}

}  // namespace cafe::cluster::stack
