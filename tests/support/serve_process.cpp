#include "support/serve_process.h"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cafe::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string cloudcafe_binary() {
  const char* dir = std::getenv("CAFE_BINARY_DIR");
  return std::string(dir && *dir ? dir : CAFE_DEFAULT_BINARY_DIR) + "/src/cloudcafe";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ServeProcess::ServeProcess(const std::filesystem::path& dir, const std::string& service,
                           const std::string& config_yaml, std::vector<std::string> extra, std::string name)
    : dir_(dir), name_(name.empty() ? service : std::move(name)) {
  std::ofstream(dir / (name_ + ".yaml")) << config_yaml;
  const std::string bin = cloudcafe_binary();
  std::filesystem::remove(dir / (name_ + ".ready"));
  std::vector<std::string> args = {bin,
                                   "serve",
                                   service,
                                   "--config",
                                   (dir / (name_ + ".yaml")).string(),
                                   "--ready-file",
                                   (dir / (name_ + ".ready")).string(),
                                   "--data-dir",
                                   (dir / "data").string(),
                                   "--replica",
                                   name_ + "-e2e"};
  for (auto& e : extra) args.push_back(std::move(e));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (dir / (name_ + ".stderr.log")).string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
  posix_spawn_file_actions_destroy(&actions);
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0 && !exited_) kill();
}

bool ServeProcess::wait_ready(std::chrono::milliseconds within) {
  const auto give_up = Clock::now() + within;
  while (Clock::now() < give_up) {
    if (!read_file(dir_ / (name_ + ".ready")).empty()) return true;
    if (wait_exit(0ms)) return false;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::string ServeProcess::address() const {
  std::string a = read_file(dir_ / (name_ + ".ready"));
  while (!a.empty() && (a.back() == '\n' || a.back() == '\r')) a.pop_back();
  return a;
}

void ServeProcess::terminate() {
  ::kill(pid_, SIGTERM);
}

void ServeProcess::kill() {
  if (pid_ <= 0 || exited_) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status_, 0);
  exited_ = true;
}

bool ServeProcess::wait_exit(std::chrono::milliseconds within) {
  const auto give_up = Clock::now() + within;
  for (;;) {
    if (exited_) return true;
    const pid_t done = ::waitpid(pid_, &status_, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      return true;
    }
    if (Clock::now() >= give_up) return false;
    std::this_thread::sleep_for(10ms);
  }
}

std::string ServeProcess::log() const {
  return read_file(dir_ / (name_ + ".stderr.log"));
}

}  // namespace cafe::test
