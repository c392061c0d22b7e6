// A real nats-server with JetStream for tests: /usr/sbin/nats-server -js on
// a free loopback port (never 4222) with its store in a temp dir; killed
// and its dir removed by the destructor. It can be killed (SIGKILL, the
// crash the lab injects) and started again on the same port and store,
// to test reconnects and what survives a crash.
#pragma once

#include "platform/core/error.h"

#include <memory>
#include <string>
#include <sys/types.h>

namespace cafe::test {

// Whether JetStream at `url` answers an account-info request, over a
// connection of its own (bounded by `timeout_ms` for the connect and the
// request).
bool jetstream_answers(const std::string& url, int timeout_ms);

class NatsServer {
 public:
  // Starts a server and waits (bounded: 10 s) until JetStream answers.
  // kUnavailable with the reason when the binary is missing or the server
  // cannot start.
  static Result<std::unique_ptr<NatsServer>> start_new();

  // The server shared by every test of this executable, started on first
  // use. When it cannot start, records a fatal failure if the environment
  // says CI=true, else skips the current test; either way returns nullptr
  // and the caller returns. Call from SetUp or the test body.
  static NatsServer* start_or_skip();

  // Like start_or_skip, but a server of the caller's own (for tests that
  // kill it).
  static std::unique_ptr<NatsServer> start_own_or_skip();

  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // SIGKILL, and waits for the process: nothing is flushed or closed.
  void kill();
  // Starts the server again on the same port and store dir (after kill)
  // and waits until JetStream answers.
  Result<void> restart();

  std::string url() const;
  int port() const noexcept { return port_; }
  bool running() const noexcept { return pid_ > 0; }

 private:
  NatsServer() = default;
  Result<void> launch();

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace cafe::test
