// The HTTP/1.1 server: one io_context per thread, each with its own
// SO_REUSEPORT acceptor (the kernel spreads connections), one coroutine per
// connection, keep-alive, limits on everything a client controls, and
// graceful shutdown (stop accepting, close idle connections at once, let
// in-flight requests finish; at the drain deadline their sockets close).
//
// The server knows nothing of routes or middleware: it parses, enforces the
// transport limits and hands each request to a RequestHandler.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/http/message.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cafe::http {

// What the server learns from a request's head before reading its body.
struct Admission {
  std::optional<Response> reject;  // answer now, without reading the body
  std::size_t body_limit = 0;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called with the head (method, target, headers; no body yet).
  virtual Admission admit(Request& head) = 0;
  // Called with the whole request. Exceptions become a 500 problem.
  virtual boost::asio::awaitable<Response> handle(Request& request) = 0;
  // Transport-level rejections (bad framing, 413, 431, overload) as seen by
  // the server, for metrics and logs.
  virtual void on_transport_reject(int /*status*/) {}
  // A client connection was accepted (true) or has closed (false).
  virtual void on_connection(bool /*opened*/) {}
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                            // 0: the OS picks
  int threads = 1;                                   // DESIGN §4: one by default
  std::size_t header_limit = std::size_t{8} * 1024;  // 431 beyond this
  std::chrono::milliseconds read_timeout{10'000};    // first byte to last byte of a request
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds drain_timeout{10'000};  // shutdown: in-flight requests get this long
  std::size_t max_connections = 10'000;             // beyond this, accept then close at once
  std::size_t max_requests_per_connection = 0;      // 0: unlimited
};

class Server {
 public:
  Server(ServerOptions options, RequestHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; the bound port is known after this returns.
  Result<void> listen();
  std::uint16_t port() const noexcept;
  std::string address() const;  // "host:port"

  // Starts the I/O threads and returns.
  void start();
  // Begins a graceful shutdown; callable from any thread, idempotent.
  void stop();
  // Waits until every I/O thread has finished.
  void join();
  // join(), but gives up at `deadline`: false while an I/O thread still
  // runs (work left on its io_context). Threads never started count as
  // finished.
  bool join_until(Deadline deadline);
  // start(), then stop() on SIGINT or SIGTERM, then join().
  void run_until_signal();

  std::size_t active_connections() const noexcept;

  // The executor of I/O thread `index` (after listen()), for a service's
  // background loops. Work left on it keeps join() waiting: register a way
  // to end it with on_stop().
  boost::asio::any_io_executor executor(std::size_t index = 0);
  std::size_t thread_count() const noexcept;

  // Runs `callback` when a graceful shutdown begins (on the thread that
  // calls stop()). Register before start().
  void on_stop(std::function<void()> callback);

  // Runs `callback` on each I/O thread once, after a shutdown began, when
  // that thread has no connection left (its in-flight requests are done):
  // the place to release per-thread resources such as upstream clients.
  // Register before start().
  void on_drained(std::function<void()> callback);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cafe::http
