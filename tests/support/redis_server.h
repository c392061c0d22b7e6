// A real redis-server for tests: started on a free loopback port (never
// 6379) in a temp dir, with persistence off; killed and its dir removed by
// the destructor. It can be stopped and started again on the same port, and
// paused (SIGSTOP), to test reconnects and deadlines.
#pragma once

#include "platform/core/error.h"

#include <memory>
#include <string>
#include <sys/types.h>

namespace cafe::test {

class RedisServer {
 public:
  // Starts a server (bounded: 10 s until it answers PING). kUnavailable with
  // the reason when the binary is missing or the server cannot start.
  static Result<std::unique_ptr<RedisServer>> start_new();

  // The server shared by every test of this executable, started on first
  // use. When it cannot start, records a fatal failure if the environment
  // says CI=true, else skips the current test; either way returns nullptr
  // and the caller returns. Call from SetUp or the test body.
  static RedisServer* start_or_skip();

  // Like start_or_skip, but a server of the caller's own (for tests that
  // stop or pause it).
  static std::unique_ptr<RedisServer> start_own_or_skip();

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server again on the same port after stop().
  Result<void> start();
  // Terminates the server (SIGKILL after 5 s) and waits for it.
  void stop();
  // SIGSTOP / SIGCONT: the port still accepts connections, nothing answers.
  void pause();
  void resume();

  // Sends one inline command (e.g. "CLIENT LIST") on a fresh connection and
  // returns the reply: a status line or a bulk string's payload. Blocking,
  // 2 s timeout: for test assertions only.
  Result<std::string> command(const std::string& inline_command) const;

  int port() const noexcept { return port_; }
  bool running() const noexcept { return pid_ > 0; }

 private:
  RedisServer() = default;

  std::string binary_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace cafe::test
