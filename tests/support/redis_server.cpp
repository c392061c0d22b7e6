#include "support/redis_server.h"

#include "support/local_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace cafe::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 10s;
constexpr auto kStopTimeout = 5s;

std::string find_binary() {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      auto candidate = fs::path(dir) / "redis-server";
      if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  return {};
}

// The kernel picks a free port; the server binds it right after. A race with
// another process is possible but rare, and shows up as a failed start.
// A blocking loopback connection with send/receive timeouts; -1 on failure.
int connect_loopback(int port, timeval timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `inline_command` and reads one reply: a status or error line, an
// integer, or a bulk string (its payload is returned).
Result<std::string> round_trip(int port, const std::string& inline_command, timeval timeout) {
  int fd = connect_loopback(port, timeout);
  if (fd < 0) return Error::unavailable("cannot connect to redis");
  const std::string wire = inline_command + "\r\n";
  std::string in;
  Result<std::string> result = Error::unavailable("redis sent no reply");
  if (::send(fd, wire.data(), wire.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(wire.size())) {
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) break;
      in.append(chunk, static_cast<std::size_t>(n));
      const auto eol = in.find("\r\n");
      if (eol == std::string::npos) continue;
      if (in[0] != '$') {
        result = in.substr(0, eol);
        break;
      }
      const long size = std::strtol(in.c_str() + 1, nullptr, 10);
      if (size < 0) {
        result = std::string();
        break;
      }
      if (in.size() >= eol + 2 + static_cast<std::size_t>(size)) {
        result = in.substr(eol + 2, static_cast<std::size_t>(size));
        break;
      }
    }
  }
  ::close(fd);
  return result;
}

bool answers_ping(int port) {
  auto reply = round_trip(port, "PING", timeval{0, 200'000});
  return reply && *reply == "+PONG";
}

std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

}  // namespace

Result<std::unique_ptr<RedisServer>> RedisServer::start_new() {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->binary_ = find_binary();
  if (server->binary_.empty()) return Error::unavailable("redis-server not found on PATH or in /usr/bin");
  std::string tmpl = (fs::temp_directory_path() / "cafe-redis-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Error::unavailable("cannot create a temp dir for redis");
  server->dir_ = tmpl;
  server->port_ = free_loopback_port();
  if (server->port_ == 0) return Error::unavailable("no free loopback port");
  if (auto started = server->start(); !started) return started.error();
  return server;
}

RedisServer* RedisServer::start_or_skip() {
  return shared_or_skip<RedisServer>("redis-server");
}

std::unique_ptr<RedisServer> RedisServer::start_own_or_skip() {
  return own_or_skip<RedisServer>("redis-server");
}

Result<void> RedisServer::start() {
  if (pid_ > 0) return ok();
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {binary_,  "--save",      "",       "--appendonly", "no",
                                   "--bind", "127.0.0.1",   "--port", port,           "--dir",
                                   dir_,     "--daemonize", "no",     "--logfile",    log};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error::unavailable("cannot spawn " + binary_ + ": " + std::strerror(rc));
  pid_ = pid;
  paused_ = false;

  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(port_)) return ok();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Error::unavailable("redis-server exited at start: " + log_tail(log));
    }
    std::this_thread::sleep_for(20ms);
  }
  stop();
  return Error::unavailable("redis-server did not answer PING within 10 s: " + log_tail(log));
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  if (paused_) resume();
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  pid_ = -1;
}

Result<std::string> RedisServer::command(const std::string& inline_command) const {
  return round_trip(port_, inline_command, timeval{2, 0});
}

void RedisServer::pause() {
  if (pid_ <= 0 || paused_) return;
  ::kill(pid_, SIGSTOP);
  paused_ = true;
}

void RedisServer::resume() {
  if (pid_ <= 0 || !paused_) return;
  ::kill(pid_, SIGCONT);
  paused_ = false;
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    if (paused_) ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

}  // namespace cafe::test
