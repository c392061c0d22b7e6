#include "platform/upstream/service_client.h"

#include "platform/http/identity.h"

#include <boost/asio/this_coro.hpp>

#include <charconv>

namespace cafe::upstream {

namespace net = boost::asio;
using http_client::Failure;

CallContext CallContext::serving(const http::Request& inbound, bool idempotent) {
  return {.deadline = inbound.deadline,
          .request_id = inbound.request_id,
          .trace_id = inbound.trace_id,
          .span_id = inbound.span_id,
          .idempotent = idempotent};
}

namespace {

int retry_after_of(const http::Response& response) {
  int seconds = 0;
  if (auto value = response.headers.get("Retry-After")) {
    std::from_chars(value->data(), value->data() + value->size(), seconds);
  }
  return seconds > 0 ? seconds : 1;
}

Error unknown_outcome(const std::string& service, std::string_view why) {
  return Error::make(ErrorCode::kDeadlineExceeded,
                     service + " " + std::string(why) + "; the call may or may not have taken effect");
}

}  // namespace

Result<http::Response> to_result(const std::string& service, CallResult result, bool replayable) {
  if (!result.outcome && result.out_of_time) {
    return Error::make(ErrorCode::kDeadlineExceeded, "no time was left to call " + service);
  }
  if (!result.outcome) return Error::unavailable("no " + service + " replica is available");
  http_client::Outcome& o = *result.outcome;
  if (o.ok()) {
    switch (o.response.status) {
      case 503:
        return Error::unavailable(service + " is unavailable", retry_after_of(o.response));
      case 504:
        return unknown_outcome(service, "timed out upstream");
      case 502:
        return replayable ? Error::unavailable(service + " failed (bad gateway)")
                          : unknown_outcome(service, "answered 502");
      default:
        return std::move(o.response);
    }
  }
  if (!o.request_sent) {
    return Error::unavailable(service + " refused the call (" +
                              std::string(http_client::to_string(o.failure)) + ")");
  }
  if (o.failure == Failure::kTimeout) return unknown_outcome(service, "did not answer in time");
  if (o.failure == Failure::kTooLarge)
    return Error::internal(service + " answered more than the response limit");
  return replayable
             ? Error::unavailable(service + " failed: " + std::string(http_client::to_string(o.failure)))
             : unknown_outcome(service, "dropped the connection");
}

ServiceClient::ServiceClient(ServiceClientOptions options, prometheus::Registry* metrics)
    : options_(std::move(options)),
      clients_(
          [&] {
            http_client::ClientOptions c;
            c.connect_timeout = options_.connect_timeout;
            c.max_connections_per_target = options_.max_connections_per_target;
            c.max_idle_per_target = options_.max_connections_per_target;
            c.max_attempts = 1;  // attempts across replicas are upstream::call's
            c.service = options_.caller;
            return c;
          }(),
          metrics) {}

ServiceClient::~ServiceClient() = default;

Result<std::unique_ptr<ServiceClient>> ServiceClient::create(ServiceClientOptions options,
                                                             prometheus::Registry* metrics) {
  std::unique_ptr<ServiceClient> client(new ServiceClient(std::move(options), metrics));
  for (const auto& [service, addresses] : client->options_.services) {
    std::vector<http_client::Target> targets;
    for (const auto& address : addresses) {
      auto target = http_client::Target::parse(address);
      if (!target) return Error::invalid("services." + service + ": " + target.error().detail);
      targets.push_back(std::move(*target));
    }
    client->groups_.emplace(
        service, std::make_unique<TargetGroup>(service, std::move(targets), client->options_.group));
  }
  return client;
}

TargetGroup* ServiceClient::group(std::string_view service) {
  auto it = groups_.find(service);
  return it == groups_.end() ? nullptr : it->second.get();
}

net::awaitable<Result<http::Response>> ServiceClient::call(std::string service, http::Request request,
                                                           CallContext context) {
  TargetGroup* target_group = group(service);
  if (!target_group) co_return Error::not_found("no service named '" + service + "' to call");
  http_client::Client* client = clients_.for_this_thread(co_await net::this_coro::executor);
  if (!client) co_return Error::unavailable("shutting down");
  if (!context.request_id.empty()) request.headers.set("X-Request-Id", context.request_id);
  if (!context.trace_id.empty()) {
    request.headers.set("traceparent", http::format_traceparent(context.trace_id, context.span_id));
  }
  const bool replayable = context.idempotent || http::is_idempotent(request.method);
  const Deadline deadline = context.deadline.capped(options_.default_budget);
  CallResult result = co_await upstream::call(*client, *target_group, std::move(request), deadline,
                                              options_.policy, context.idempotent);
  co_return to_result(service, std::move(result), replayable);
}

}  // namespace cafe::upstream
