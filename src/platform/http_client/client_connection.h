// One pooled HTTP/1.1 connection and the two things done with it: open it
// (resolve + connect under a deadline) and exchange one request/response.
// Beast and Asio appear only here and in the .cpp files of the client.
#pragma once

#include "platform/core/socket_deadline.h"
#include "platform/http_client/client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cafe::http_client::detail {

using Clock = std::chrono::steady_clock;

struct Connection {
  explicit Connection(const boost::asio::any_io_executor& executor) : socket(executor), deadline(socket) {}

  boost::asio::ip::tcp::socket socket;
  SocketDeadline deadline;           // set during open() and exchange() only
  boost::beast::flat_buffer buffer;  // kept across requests: no reallocation per call
  std::string head;                  // the serialised request head, reused likewise
  Clock::time_point idle_since{};
  bool reused = false;  // has completed an exchange before
};

struct Limits {
  std::size_t max_header = 0;
  std::size_t max_body = 0;
};

struct Step {
  Failure failure = Failure::kNone;
  std::string detail;
};

// Connects `c` to `target` (the numeric endpoint when known, else resolving
// the name) before `connect_deadline`. A deadline passing is kTimeout when
// it is the call's deadline, kConnect when it is only the connect timeout.
boost::asio::awaitable<Step> open(Connection& c, const Target& target,
                                  std::optional<boost::asio::ip::tcp::endpoint> endpoint,
                                  Clock::time_point connect_deadline, Clock::time_point call_deadline);

// False when a pooled connection can no longer carry a request: the server
// closed it (EOF or reset waiting in the socket) or sent bytes nobody asked
// for. Checked before reuse, without blocking, so that a request is written
// only to a connection that was open a moment before.
bool still_open(Connection& c);

struct Exchange {
  Failure failure = Failure::kNone;
  // Failed before any response byte on a reused connection: the server
  // probably closed it while idle, but may have read the request first.
  bool stale = false;
  bool sent = false;        // bytes of the request left this process
  bool keep_alive = false;  // the connection may serve another request
  std::string detail;
};

// Writes `request` and reads the response into `response`, all before
// `deadline`. `host` is the Host header value.
boost::asio::awaitable<Exchange> exchange(Connection& c, const std::string& host, const Request& request,
                                          Limits limits, Clock::time_point deadline, Response& response);

// Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are not
// forwarded either way.
bool is_hop_by_hop(std::string_view name);

// Empty when the request can be sent; else why not (CR/LF in a header...).
std::optional<std::string> invalid_request(const Request& request);

}  // namespace cafe::http_client::detail
