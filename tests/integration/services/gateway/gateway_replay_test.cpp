// A POST the gateway forwarded reaches the upstreams exactly once, however
// the upstream fails after reading it: a pooled connection closed
// unanswered, a replica that dies (its next connect refused), a replica
// whose drain deadline closes the socket. Counted at the upstreams; the
// client gets a 502/503, never a silent second send.
#include "gateway_fixture.h"
#include "platform/http/server.h"
#include "support/http_test_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cafe::test {
namespace {

using http_client::testing::Script;
using http_client::testing::Seen;
using http_client::testing::TestServer;
using namespace std::chrono_literals;

const TestRequest kPost{"POST", "/api/menu/items", {{"Content-Type", "application/json"}}, R"({"a":1})"};

bool upstream_failure(int status) {
  return status == 502 || status == 503;
}

using GatewayReplay = GatewayOverScriptedUpstreams;

TEST_F(GatewayReplay, SendsEachPostOnceWhenPooledConnectionsCloseAfterReadingIt) {
  TestServer a(upstreams_.ioc());
  TestServer b(upstreams_.ioc());
  const auto script = [](const Seen& seen, int) { return Script{.close_unanswered = seen.method == "POST"}; };
  a.on_request(script);
  b.on_request(script);
  start_gateway({a.target().to_string(), b.target().to_string()});
  constexpr int kPosts = 20;
  for (int i = 0; i < kPosts; ++i) {
    // Balancing is round-robin among equals: two GETs leave a pooled
    // connection on each replica for the POST that follows.
    for (int warm = 0; warm < 2; ++warm) {
      const auto got = get(gateway_.port, "/api/menu/items/latte");
      ASSERT_EQ(got.status, 200) << got.body;
    }
    const auto posted = send_request(gateway_.port, kPost);
    EXPECT_EQ(posted.status, 502) << posted.body;
  }
  EXPECT_EQ(a.requests("POST") + b.requests("POST"), kPosts);
  EXPECT_EQ(a.requests("POST"), kPosts / 2);
}

TEST_F(GatewayReplay, SendsAPostOnceWhenTheReplicaThatReadItDies) {
  TestServer a(upstreams_.ioc());
  TestServer b(upstreams_.ioc());
  const auto script = [](const Seen& seen, int) { return Script{.die = seen.method == "POST"}; };
  a.on_request(script);
  b.on_request(script);
  gateway_config().health_interval = 10s;  // the dead replica stays in rotation: the request path decides
  start_gateway({a.target().to_string(), b.target().to_string()});
  ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);
  ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);

  const auto first = send_request(gateway_.port, kPost);
  EXPECT_TRUE(upstream_failure(first.status)) << first.status << " " << first.body;
  EXPECT_EQ(a.requests("POST") + b.requests("POST"), 1) << "the first POST went to one replica only";

  const auto second = send_request(gateway_.port, kPost);
  EXPECT_TRUE(upstream_failure(second.status)) << second.status << " " << second.body;
  EXPECT_EQ(a.requests("POST"), 1);
  EXPECT_EQ(b.requests("POST"), 1);

  const auto third = send_request(gateway_.port, kPost);
  EXPECT_EQ(third.status, 503) << "both replicas are gone: nothing was sent " << third.body;
  EXPECT_EQ(a.requests("POST") + b.requests("POST"), 2);
}

TEST_F(GatewayReplay, SendsAKeyedPostOnceWhereTheServiceDoesNotDeduplicateByKey) {
  TestServer a(upstreams_.ioc());
  TestServer b(upstreams_.ioc());
  const auto script = [](const Seen& seen, int) { return Script{.close_unanswered = seen.method == "POST"}; };
  a.on_request(script);
  b.on_request(script);
  start_gateway({a.target().to_string(), b.target().to_string()});
  TestRequest keyed = kPost;
  keyed.headers.emplace_back("Idempotency-Key", "not-a-menu-concept");
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);
    EXPECT_EQ(send_request(gateway_.port, keyed).status, 502);
  }
  EXPECT_EQ(a.requests("POST") + b.requests("POST"), 4) << "the menu route does not honour keys";
}

// The order service deduplicates by Idempotency-Key (API.md), so its route
// lets a keyed POST whose connection broke go to another replica; one that
// timed out does not go again (the first replica may still be placing it,
// and a second would answer "in progress").
TEST_F(GatewayReplay, RepeatsAKeyedOrderOnlyWhenItsConnectionBroke) {
  TestServer dropping(upstreams_.ioc());
  TestServer placing(upstreams_.ioc());
  dropping.on_request(
      [](const Seen& seen, int) { return Script{.close_unanswered = seen.method == "POST"}; });
  placing.on_request([](const Seen&, int) { return Script{.status = 201}; });
  gateway_config().targets = {{"order", {dropping.target().to_string(), placing.target().to_string()}}};
  start_gateway({});
  TestRequest order{"POST", "/api/orders", {{"Content-Type", "application/json"}}, R"({"a":1})"};
  for (int i = 0; i < 4; ++i) {
    order.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "order-" + std::to_string(i)}};
    const auto placed = send_request(gateway_.port, order);
    EXPECT_EQ(placed.status, 201) << placed.body;
  }
  EXPECT_EQ(placing.requests("POST"), 4);
  EXPECT_GE(dropping.requests("POST"), 1) << "round-robin sent some to the dropping replica first";

  TestRequest unkeyed{"POST", "/api/orders", {{"Content-Type", "application/json"}}, R"({"a":1})"};
  int failed = 0;
  for (int i = 0; i < 4; ++i) failed += send_request(gateway_.port, unkeyed).status == 502 ? 1 : 0;
  EXPECT_GE(failed, 1) << "without a key, a broken connection is the answer";
}

TEST_F(GatewayReplay, DoesNotRepeatAKeyedOrderThatTimedOut) {
  TestServer slow(upstreams_.ioc());
  TestServer placing(upstreams_.ioc());
  slow.on_request(
      [](const Seen& seen, int) { return Script{.status = 201, .delay = seen.method == "POST" ? 3s : 0ms}; });
  placing.on_request([](const Seen&, int) { return Script{.status = 201}; });
  gateway_config().targets = {{"order", {slow.target().to_string(), placing.target().to_string()}}};
  gateway_config().upstream_deadline = 800ms;
  start_gateway({});
  int placed = 0;
  int timed_out = 0;
  for (int i = 0; i < 4; ++i) {
    TestRequest order{
        "POST",
        "/api/orders",
        {{"Content-Type", "application/json"}, {"Idempotency-Key", "slow-" + std::to_string(i)}},
        R"({"a":1})"};
    const int status = send_request(gateway_.port, order).status;
    placed += status == 201 ? 1 : 0;
    timed_out += status == 504 ? 1 : 0;
  }
  EXPECT_EQ(placed + timed_out, 4);
  EXPECT_EQ(placing.requests("POST"), placed) << "a timed-out order was not sent on to the other replica";
  EXPECT_EQ(slow.requests("POST"), timed_out);
}

// An upstream built on CloudCafe's own server whose POST handler outlasts
// the drain deadline: stopping it closes the socket under the request.
class SlowPostUpstream final : public http::RequestHandler {
 public:
  http::Admission admit(http::Request&) override { return {.reject = std::nullopt, .body_limit = 1 << 20}; }
  boost::asio::awaitable<http::Response> handle(http::Request& request) override {
    if (request.method == http::Method::kPost) {
      posts.fetch_add(1);
      boost::asio::steady_timer hold(co_await boost::asio::this_coro::executor, 1s);
      co_await hold.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return http::Response::text(200, "ok");
  }
  std::atomic<int> posts{0};
};

TEST_F(GatewayReplay, SendsAPostOnceWhenTheReplicaDrainDeadlineClosesIt) {
  SlowPostUpstream handlers[2];
  std::vector<std::unique_ptr<http::Server>> servers;
  std::vector<std::string> addresses;
  for (auto& handler : handlers) {
    auto& server = servers.emplace_back(
        std::make_unique<http::Server>(http::ServerOptions{.drain_timeout = 100ms}, handler));
    ASSERT_TRUE(server->listen());
    server->start();
    addresses.push_back(server->address());
  }
  start_gateway(addresses);
  ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);
  ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);

  TestResponse posted;
  std::thread client([&] { posted = send_request(gateway_.port, kPost); });
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (handlers[0].posts + handlers[1].posts == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  const int holder = handlers[0].posts == 1 ? 0 : 1;
  servers[holder]->stop();
  client.join();
  servers[holder]->join();

  EXPECT_TRUE(upstream_failure(posted.status)) << posted.status << " " << posted.body;
  EXPECT_EQ(handlers[0].posts + handlers[1].posts, 1);
  for (auto& server : servers) server->stop();
}

}  // namespace
}  // namespace cafe::test
