// How one CloudCafe service calls another (order → inventory, order →
// loyalty): target groups by service name whose membership changes at run
// time, one client per I/O thread, the caller's deadline and trace carried
// downstream, retries only of what may be repeated, and every transport
// outcome mapped to an Error whose code says what the caller may do:
//   nothing was sent, or 503 with Retry-After     → kUnavailable (retry the call)
//   sent and no answer (timeout, reset), or 504   → kDeadlineExceeded (outcome
//                                                    unknown: retry only if idempotent)
//   502, a protocol error                         → kUnavailable when nothing could
//                                                    have been applied, else as above
// Any other status is an answer: the Response comes back for the caller to
// decode (a 422 is the callee's business rule, not a failure).
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/http/message.h"
#include "platform/upstream/target_group.h"
#include "platform/upstream/thread_clients.h"
#include "platform/upstream/upstream_call.h"

#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}

namespace cafe::upstream {

struct ServiceClientOptions {
  std::string caller;  // this service's name: the client metrics' `service` label
  // service name -> "host:port" replicas known at start (discovery may add more).
  std::vector<std::pair<std::string, std::vector<std::string>>> services;
  std::chrono::milliseconds connect_timeout{300};
  std::chrono::milliseconds default_budget{2'000};  // when the caller passes no deadline of its own
  std::size_t max_connections_per_target = 64;
  CallPolicy policy{};
  GroupOptions group{};
};

// What one call needs beyond the request: the inbound request it serves
// (for its deadline, request id and trace) and whether repeating it is
// harmless even though its method is not idempotent (a POST keyed by an
// order id the callee deduplicates).
struct CallContext {
  Deadline deadline;
  std::string request_id;
  std::string trace_id;
  std::string span_id;
  bool idempotent = false;

  // The context of a call made while serving `inbound`.
  static CallContext serving(const http::Request& inbound, bool idempotent = false);
};

class ServiceClient {
 public:
  // kInvalidArgument naming the bad address.
  static Result<std::unique_ptr<ServiceClient>> create(ServiceClientOptions options,
                                                       prometheus::Registry* metrics);
  ~ServiceClient();

  // Calls `service` with `request` (method, target, headers, body).
  // kNotFound for a service this client does not know.
  boost::asio::awaitable<Result<http::Response>> call(std::string service, http::Request request,
                                                      CallContext context);

  TargetGroup* group(std::string_view service);
  // No new per-thread clients: shutdown has begun.
  void stop() { clients_.stop_creating(); }
  // Closes every per-thread client on its own thread, once background work
  // has stopped (the kit's close_clients phase).
  void close_all() { clients_.close_all(); }

 private:
  ServiceClient(ServiceClientOptions options, prometheus::Registry* metrics);

  ServiceClientOptions options_;
  ThreadClients clients_;
  std::map<std::string, std::unique_ptr<TargetGroup>, std::less<>> groups_;
};

// The mapping above, for one call's result; exposed for tests.
Result<http::Response> to_result(const std::string& service, CallResult result, bool replayable);

}  // namespace cafe::upstream
