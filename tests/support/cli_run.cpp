#include "support/cli_run.h"

#include "support/serve_process.h"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cafe::test {

using namespace std::chrono_literals;

CliResult run_program(const std::string& program, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout) {
  char out_template[] = "/tmp/cafe-cli-out.XXXXXX";
  char err_template[] = "/tmp/cafe-cli-err.XXXXXX";
  const int out_fd = ::mkstemp(out_template);
  const int err_fd = ::mkstemp(err_template);
  CliResult result;
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) {
        result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
  }
  ::close(out_fd);
  ::close(err_fd);
  result.out = read_file(out_template);
  result.err = read_file(err_template);
  std::filesystem::remove(out_template);
  std::filesystem::remove(err_template);
  return result;
}

CliResult run_cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  return run_program(cloudcafe_binary(), args, timeout);
}

}  // namespace cafe::test
