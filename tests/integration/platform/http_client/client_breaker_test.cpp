// The per-target circuit breaker as seen through real calls.
#include "support/scripted_server.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

namespace cafe::http_client {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using testing::Script;
using testing::Seen;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

double gauge_value(prometheus::Registry& registry, const std::string& family) {
  for (const auto& f : registry.Collect()) {
    if (f.name == family && !f.metric.empty()) return f.metric.front().gauge.value;
  }
  return -1;
}

TEST(HttpClientBreaker, OpensAfterFailuresFailsFastThenHalfOpens) {
  net::io_context ioc;
  TestServer server(ioc);
  bool failing = true;
  server.on_request([&](const Seen&, int) { return Script{.status = failing ? 500 : 200}; });
  prometheus::Registry registry;
  std::vector<Outcome> failures;
  Outcome rejected;
  Clock::duration rejected_took{};
  double state_while_open = -1;
  Outcome recovered;
  double state_after = -1;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(),
                  {.breaker = {.window = 10, .min_failures = 3, .failure_ratio = 0.5, .open_duration = 300ms},
                   .service = "test"},
                  &registry);
    http::Request get;
    get.target = "/";
    for (int i = 0; i < 3; ++i) failures.push_back(co_await client.send(server.target(), get, {}));
    const auto start = Clock::now();
    rejected = co_await client.send(server.target(), get, {});
    rejected_took = Clock::now() - start;
    state_while_open = gauge_value(registry, "cloudcafe_circuit_breaker_state");

    net::steady_timer wait(ioc, 350ms);
    co_await wait.async_wait(net::use_awaitable);
    failing = false;
    recovered = co_await client.send(server.target(), get, {});
    state_after = gauge_value(registry, "cloudcafe_circuit_breaker_state");
  });
  ASSERT_EQ(failures.size(), 3u);
  for (const auto& f : failures) EXPECT_EQ(f.response.status, 500);
  EXPECT_EQ(rejected.failure, Failure::kBreakerOpen);
  EXPECT_EQ(rejected.attempts, 1);  // fail fast: an open breaker is not retried
  EXPECT_LT(rejected_took, 20ms);
  EXPECT_EQ(state_while_open, 2);
  EXPECT_TRUE(recovered.ok()) << recovered.detail;
  EXPECT_EQ(recovered.response.status, 200);
  EXPECT_EQ(state_after, 0);
  EXPECT_EQ(server.requests(), 4);
}

}  // namespace
}  // namespace cafe::http_client
