// The loopback network the stack's servers listen on: a free port for each
// start, and one bounded request/answer exchange to tell that a server is
// ready (Redis PING, NATS INFO, an HTTP GET).
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace cafe::cluster::stack {

// A port the kernel says is free on 127.0.0.1 now (bound, then released):
// the server binds it right after. Another process may take it first; a
// server that then fails to bind is started again on another port.
Result<std::uint16_t> free_loopback_port();

enum class ReadUntil {
  kLine,   // the first "\r\n" (Redis, NATS)
  kClose,  // the peer closes (HTTP with Connection: close)
};

// Connects to 127.0.0.1:port, sends `request` (may be empty), and returns
// what came back up to `until`, at most 1 MiB. kUnavailable when nothing
// listens or the peer closed early, kDeadlineExceeded at `deadline`.
Result<std::string> loopback_exchange(std::uint16_t port, std::string_view request, ReadUntil until,
                                      Deadline deadline);

// An HTTP/1.0 GET of `target` on 127.0.0.1:port: the status code and body.
struct HttpAnswer {
  int status = 0;
  std::string body;
};
Result<HttpAnswer> loopback_http_get(std::uint16_t port, std::string_view target, Deadline deadline);

}  // namespace cafe::cluster::stack
