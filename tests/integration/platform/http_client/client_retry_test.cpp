// Which failures the client retries, and how the retry budget bounds them.
#include "support/scripted_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <optional>

namespace cafe::http_client {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using testing::Script;
using testing::Seen;
using testing::TestServer;

http::Request request(http::Method method) {
  http::Request r;
  r.method = method;
  r.target = "/things/1";
  if (method == http::Method::kPost) r.body = "{}";
  return r;
}

double counter_value(prometheus::Registry& registry, const std::string& family, const std::string& label,
                     const std::string& value) {
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      for (const auto& l : m.label) {
        if (l.name == label && l.value == value) return m.counter.value;
      }
    }
  }
  return -1;
}

class HttpClientRetry : public ::testing::Test {
 protected:
  net::io_context ioc;
  TestServer server{ioc};
  ClientOptions options{.backoff = {.base = 2ms, .cap = 5ms}, .service = "test", .seed = 7};
};

TEST_F(HttpClientRetry, RetriesGetOn503ThenSucceeds) {
  server.on_request([](const Seen&, int n) { return n == 1 ? Script{.status = 503} : Script{}; });
  prometheus::Registry registry;
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), options, &registry);
    outcome = co_await client.send(server.target(), request(http::Method::kGet), {});
  });
  EXPECT_TRUE(outcome.ok()) << outcome.detail;
  EXPECT_EQ(outcome.response.status, 200);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(counter_value(registry, "cloudcafe_http_client_retries_total", "service", "test"), 1);
  EXPECT_EQ(counter_value(registry, "cloudcafe_http_client_requests_total", "outcome", "ok"), 1);
}

TEST_F(HttpClientRetry, ReturnsTheLast503WhenAttemptsRunOut) {
  server.on_request([](const Seen&, int) { return Script{.status = 503}; });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), options, nullptr);
    outcome = co_await client.send(server.target(), request(http::Method::kGet), {});
  });
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.response.status, 503);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(server.requests(), 3);
}

TEST_F(HttpClientRetry, DoesNotRetryPostOn503) {
  server.on_request([](const Seen&, int) { return Script{.status = 503}; });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), options, nullptr);
    outcome = co_await client.send(server.target(), request(http::Method::kPost), {});
  });
  EXPECT_EQ(outcome.response.status, 503);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(HttpClientRetry, DoesNotRetryPostOnTimeout) {
  server.on_request([](const Seen&, int) { return Script{.delay = 2s}; });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), options, nullptr);
    outcome = co_await client.send(server.target(), request(http::Method::kPost), {.deadline = 150ms});
  });
  EXPECT_EQ(outcome.failure, Failure::kTimeout);
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(HttpClientRetry, DoesNotRetryPostOnResetButRetriesGet) {
  server.on_request([](const Seen&, int) { return Script{.reset = true}; });
  Outcome posted;
  Outcome got;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), options, nullptr);
    posted = co_await client.send(server.target(), request(http::Method::kPost), {});
    got = co_await client.send(server.target(), request(http::Method::kGet), {});
  });
  EXPECT_EQ(posted.failure, Failure::kReset);
  EXPECT_EQ(posted.attempts, 1);
  EXPECT_EQ(got.failure, Failure::kReset);
  EXPECT_EQ(got.attempts, 3);
  EXPECT_EQ(server.requests(), 4);
}

TEST_F(HttpClientRetry, RetriesPostAfterAConnectFailure) {
  const std::uint16_t port = testing::unused_port(ioc);
  std::optional<TestServer> late;
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    // The server comes up a moment after the first connect was refused.
    net::steady_timer start_later(ioc, 3ms);
    start_later.async_wait([&](boost::system::error_code) { late.emplace(ioc, port); });
    ClientOptions slow_backoff = options;
    slow_backoff.backoff = {.base = 100ms, .cap = 100ms};
    slow_backoff.max_attempts = 5;
    Client client(ioc.get_executor(), slow_backoff, nullptr);
    outcome = co_await client.send(Target{"127.0.0.1", port}, request(http::Method::kPost), {});
  });
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(outcome.ok()) << outcome.detail;
  EXPECT_GE(outcome.attempts, 2);
  EXPECT_EQ(late->requests(), 1);
}

TEST_F(HttpClientRetry, BudgetStopsARetryStorm) {
  server.on_request([](const Seen&, int) { return Script{.status = 503}; });
  options.retry_budget = {.window = 10s, .ratio = 0.1, .min_retries_per_second = 0};
  options.breaker.min_failures = 1000;  // keep the breaker out of this test
  prometheus::Registry registry;
  int calls = 0;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), options, &registry);
    for (; calls < 20; ++calls) co_await client.send(server.target(), request(http::Method::kGet), {});
  });
  // Without the budget: 20 × 3 attempts. With it: one retry per ten calls.
  EXPECT_EQ(server.requests(), 22);
  EXPECT_EQ(counter_value(registry, "cloudcafe_http_client_retries_total", "service", "test"), 2);
  EXPECT_EQ(counter_value(registry, "cloudcafe_http_client_requests_total", "outcome", "status_5xx"), 20);
}

}  // namespace
}  // namespace cafe::http_client
