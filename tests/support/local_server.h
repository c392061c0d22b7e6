// What the real-server harnesses (Redis, NATS) share: a free loopback
// port, a scratch directory, and what a test does when its server cannot
// start — a failure under CI=true (CI must run these tests), a skip
// elsewhere.
#pragma once

#include "platform/core/error.h"

#include <memory>
#include <string>
#include <string_view>

namespace cafe::test {

// A loopback port the kernel says is free now (bound and released at
// once): the server binds it right after. A race with another process is
// rare and shows up as a failed start. 0 when none could be had.
int free_loopback_port();

// A new directory `<temp>/<prefix>-XXXXXX`.
Result<std::string> make_temp_dir(std::string_view prefix);

bool in_ci();

// Records that `server` is unavailable, as a failure or a skip (see above).
void fail_or_skip(std::string_view server, const std::string& why);

// `Server::start_new()` once per test executable, shared by its tests; null
// (after fail_or_skip) when it cannot start.
template <class Server>
Server* shared_or_skip(std::string_view server) {
  static Result<std::unique_ptr<Server>> shared = Server::start_new();
  if (!shared) {
    fail_or_skip(server, shared.error().detail);
    return nullptr;
  }
  return shared->get();
}

// A server of the caller's own, for tests that stop or kill it.
template <class Server>
std::unique_ptr<Server> own_or_skip(std::string_view server) {
  auto started = Server::start_new();
  if (!started) {
    fail_or_skip(server, started.error().detail);
    return nullptr;
  }
  return std::move(*started);
}

}  // namespace cafe::test
