// The outbound HTTP/1.1 client every service uses to call another (the
// gateway forwards through it; order calls menu and inventory).
//
// Per target (host:port) it keeps a keep-alive connection pool, a circuit
// breaker and a retry budget. Each call has ONE deadline covering resolve,
// connect, write and read, and all retries. Contract of send():
// - The pool is bounded: at most max_connections_per_target connections in
//   use plus idle. When all are busy a call does not wait in a hidden queue:
//   it fails at once with kPoolExhausted (and may be retried after backoff,
//   since nothing was sent).
// - An open breaker fails the call at once with kBreakerOpen (no connect).
// - A pooled connection is checked (without blocking) before reuse; one the
//   server closed while idle is replaced before anything is written.
// - A request the upstream may have received is never sent again unless
//   that is harmless (an idempotent method, or CallOptions::replayable).
//   So a reused connection that dies before the first response byte is
//   retried once on a fresh one only for such requests;
//   any other fails with kReset and request_sent, and "sent" is never lost
//   by a later step (a fresh connect failing after a send, say).
// - Otherwise a failed attempt is retried, with full-jitter backoff, only
//   when nothing was sent by any attempt (kConnect, kPoolExhausted) or the
//   method is idempotent (including 502/503/504 answers), allow_retry is
//   set, the retry budget has room and the backoff ends before the deadline.
// - Interim 1xx answers are skipped; 101 is a protocol failure.
// - A response, whatever its status, is a success of the call (ok()); 5xx
//   counts as a failure for the breaker.
//
// One Client per I/O thread (executor): not thread-safe by contract, no
// locks. The Client must be used from its executor's thread only. Pending
// calls keep the internals alive, so destroying the Client while a call is
// in flight is safe; the call then completes normally.
#pragma once

#include "platform/core/error.h"
#include "platform/http/message.h"
#include "platform/resilience/backoff.h"
#include "platform/resilience/circuit_breaker.h"
#include "platform/resilience/retry_budget.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace cafe::http_client {

using http::Request;
using http::Response;

struct Target {
  std::string host;  // a name, an IPv4 literal or an IPv6 literal (no brackets)
  std::uint16_t port = 0;

  // "host:port", IPv6 in brackets.
  std::string to_string() const;
  // Accepts "host:port", "[v6]:port"; the port is required and non-zero.
  static Result<Target> parse(std::string_view host_port);

  friend bool operator==(const Target&, const Target&) = default;
};

struct ClientOptions {
  std::size_t max_connections_per_target = 64;  // in use + idle
  std::size_t max_idle_per_target = 32;
  std::chrono::milliseconds connect_timeout{500};  // within the call's deadline
  std::chrono::milliseconds idle_timeout{30'000};  // below the servers' keep-alive timeout
  std::size_t max_response_header = std::size_t{16} * 1024;
  std::size_t max_response_body = std::size_t{8} * 1024 * 1024;
  int max_attempts = 3;  // first try included
  // Targets are a configured set (replicas); a call to one more is refused
  // with kPoolExhausted, so state per target stays bounded.
  std::size_t max_targets = 1024;
  resilience::Backoff::Options backoff{};
  resilience::RetryBudget::Options retry_budget{};
  resilience::CircuitBreaker::Options breaker{};
  std::string service{};   // the `service` metric label: who is calling
  std::uint64_t seed = 0;  // jitter seed; 0 draws one from std::random_device
};

struct CallOptions {
  std::chrono::milliseconds deadline{2'000};
  bool allow_retry = true;
  // The caller's word that the upstream receiving this request twice does
  // no harm though its method is not idempotent (a POST the callee
  // deduplicates by key). Idempotent methods need not say so.
  bool replayable = false;
};

enum class Failure : std::uint8_t {
  kNone,
  kConnect,        // resolve or connect failed: nothing was sent
  kBreakerOpen,    // the target's breaker is open: nothing was sent
  kPoolExhausted,  // every connection to the target is busy: nothing was sent
  kTimeout,        // the call's deadline passed
  kReset,          // the connection failed after the request was (maybe) sent
  kProtocol,       // the upstream answered something that is not HTTP/1.1
  kTooLarge,       // response header or body over the limits
};

const char* to_string(Failure f) noexcept;

struct Outcome {
  Failure failure = Failure::kNone;
  // True when the upstream may have seen the request: a caller must not
  // replay a non-idempotent request elsewhere.
  bool request_sent = false;
  int attempts = 0;
  Response response;   // valid when ok()
  std::string detail;  // why it failed, for logs (no response content)

  bool ok() const noexcept { return failure == Failure::kNone; }
};

class Client {
 public:
  Client(boost::asio::any_io_executor executor, ClientOptions options, prometheus::Registry* metrics);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `request` is read, not copied: it must outlive the call, as it does
  // when the call is co_awaited where it is made (the gateway forwards
  // every request this way; a copy per call cost measurable throughput).
  boost::asio::awaitable<Outcome> send(Target target, const Request& request, CallOptions options);

  // True when this client's breaker for `target` refuses calls now: a
  // caller with other targets goes elsewhere without trying.
  bool breaker_open(const Target& target) const;

  // Closes idle connections, stops the idle sweeper; later calls fail with
  // kConnect and busy connections are closed when their call ends.
  void close();

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cafe::http_client
