// A real HTTP/1.1 server for client and gateway tests: a Beast coroutine
// server on 127.0.0.1 whose answer to each request a test scripts (status,
// delay, interim answers, close after the headers, reset, read and close
// unanswered, die), and which counts the connections and requests it saw.
#pragma once

#include "platform/http_client/client.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cafe::http_client::testing {

struct Script {
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers{};
  std::chrono::milliseconds delay{0};
  bool close_after_headers = false;   // promise a body, send the head only, close
  bool reset = false;                 // answer with a TCP reset
  bool close_after_response = false;  // answer with keep-alive, then close anyway
  bool close_unanswered = false;      // read the request, close without a byte of answer
  bool die = false;                   // close_unanswered, and stop listening: the server is gone
  std::string interim{};              // raw 1xx answers written before the real one
};

struct Seen {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body;
  std::string header(std::string_view name) const;  // "" when absent
};

class TestServer {
 public:
  // Listens on 127.0.0.1:`port` (0 picks a free one).
  explicit TestServer(boost::asio::io_context& ioc, std::uint16_t port = 0);
  ~TestServer();

  void on_request(std::function<Script(const Seen&, int request_no)> script);
  std::uint16_t port() const;
  Target target() const { return Target{"127.0.0.1", port()}; }
  int connections() const;
  int closed_connections() const;  // whose session has ended (the server closed or saw a close)
  int requests() const;
  int requests(std::string_view method) const;  // of one method
  const Seen& last() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// A loopback port nothing listens on (bound, then released).
std::uint16_t unused_port(boost::asio::io_context& ioc);

// Runs `ioc` on a thread of its own until destroyed: for servers that a
// test's blocking client (or the gateway under test) talks to.
class BackgroundContext {
 public:
  BackgroundContext();
  ~BackgroundContext();
  boost::asio::io_context& ioc() { return *ioc_; }
  // Stops the context and joins its thread (idempotent): call it before
  // destroying the servers that run on it (a fixture's TearDown).
  void stop();

 private:
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<std::thread> thread_;
};

// Runs `body` on `ioc` until it finishes (or 15 s pass), rethrowing its
// exception so gtest reports it.
void run(boost::asio::io_context& ioc, std::function<boost::asio::awaitable<void>()> body);

}  // namespace cafe::http_client::testing
