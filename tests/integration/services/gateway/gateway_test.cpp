// The gateway in front of real menu replicas: failover, rate limiting,
// identity forwarding and upstream failures mapped to problems.
#include "support/http_test_client.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace cafe::test {
namespace {

const std::pair<std::string, std::string> kAdmin{"Authorization", std::string("Bearer ") + kTestAdminToken};

class Gateway : public testing::Test {
 protected:
  void start_menus(int count) {
    for (int i = 0; i < count; ++i) {
      menus_.push_back(start_service("menu", config_, dir_.path().string()));
      ASSERT_NE(menus_.back().port, 0);
    }
  }
  void start_gateway() {
    std::vector<std::string> addresses;
    for (const auto& m : menus_) addresses.push_back(m.address);
    config_.service<gateway::GatewayConfig>("gateway").targets = {{"menu", addresses}};
    gateway_ = start_service("gateway", config_, dir_.path().string());
    ASSERT_NE(gateway_.port, 0);
  }

  TempDir dir_;
  app::AppConfig config_ = test_config();
  std::vector<StartedService> menus_;
  StartedService gateway_;
};

TEST_F(Gateway, KeepsServingWhenOneOfTwoMenuTargetsDies) {
  start_menus(2);
  start_gateway();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);

  menus_[0].stop();
  menus_[0].service.reset();
  // Every request still succeeds: a connect failure is retried on the other
  // target, and the health checks take the dead one out of rotation.
  for (int i = 0; i < 40; ++i) {
    auto res = get(gateway_.port, "/api/menu/items/latte");
    ASSERT_EQ(res.status, 200) << "request " << i << ": " << res.body << res.error;
  }
  auto ready = get(gateway_.port, "/health/ready");
  EXPECT_EQ(ready.status, 200);
}

TEST_F(Gateway, AnswersServiceUnavailableWhenEveryTargetIsDownAndStaysReady) {
  start_menus(1);
  start_gateway();
  menus_[0].stop();
  menus_[0].service.reset();
  auto res = get(gateway_.port, "/api/menu/items/latte");
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  EXPECT_FALSE(res.header("retry-after").empty());
  // The probes see it too, and say so per group; the gateway itself stays
  // ready, so a load balancer keeps it (and every other service) in.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  TestResponse health;
  while (std::chrono::steady_clock::now() < give_up) {
    health = get(gateway_.port, "/health");
    if (health.body.find(R"("menu":{"status":"unavailable")") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(health.body.find(R"("menu":{"status":"unavailable")"), std::string::npos) << health.body;
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(get(gateway_.port, "/health/ready").status, 200);
  EXPECT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 503);
  const auto metrics = get(gateway_.port, "/metrics");
  EXPECT_NE(metrics.body.find(R"(cloudcafe_gateway_group_targets_in_rotation{group="menu"} 0)"),
            std::string::npos)
      << metrics.body;
}

TEST_F(Gateway, AnswersServiceUnavailableForAServiceWithNoTargets) {
  start_menus(1);
  start_gateway();
  auto res = get(gateway_.port, "/api/orders/123");
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.body.find("order"), std::string::npos);
  EXPECT_EQ(get(gateway_.port, "/api/nowhere").status, 404);
}

TEST_F(Gateway, RateLimitsEachClientSeparately) {
  config_.service<gateway::GatewayConfig>("gateway").rate_limit_per_second = 0.01;
  config_.service<gateway::GatewayConfig>("gateway").rate_limit_burst = 3;
  start_menus(1);
  start_gateway();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(get(gateway_.port, "/api/stores", {{"X-Client-Id", "alice"}}).status, 200);
  }
  auto limited = get(gateway_.port, "/api/stores", {{"X-Client-Id", "alice"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_EQ(get(gateway_.port, "/api/stores", {{"X-Client-Id", "bob"}}).status, 200);
}

TEST_F(Gateway, ForwardsTheRequestIdAndTraceContext) {
  start_menus(1);
  start_gateway();
  const std::string trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto res =
      get(gateway_.port, "/api/menu/items/latte", {{"X-Request-Id", "demo-req-42"}, {"traceparent", trace}});
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.header("x-request-id"), "demo-req-42");
  EXPECT_EQ(res.header("traceparent").substr(0, 35), trace.substr(0, 35)) << "same trace id";
}

TEST_F(Gateway, MapsAnUpstreamThatTakesTooLongToGatewayTimeout) {
  config_.service<gateway::GatewayConfig>("gateway").upstream_deadline = std::chrono::milliseconds(300);
  start_menus(1);
  start_gateway();
  TestRequest fault{"POST",
                    "/admin/faults",
                    {{"Content-Type", "application/json"}, kAdmin},
                    R"({"kind":"latency","target":"route:/api/menu/items/{item_id}","latency_ms":2000,)"
                    R"("duration_seconds":30})"};
  ASSERT_EQ(send_request(menus_[0].port, fault).status, 201);
  const auto started = std::chrono::steady_clock::now();
  auto res = get(gateway_.port, "/api/menu/items/latte");
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST_F(Gateway, AnswersInjectedFaultsOnATargetGroup) {
  start_menus(1);
  start_gateway();
  TestRequest fault{"POST",
                    "/admin/faults",
                    {{"Content-Type", "application/json"}, kAdmin},
                    R"({"kind":"throttle","target":"dependency:menu","duration_seconds":30})"};
  ASSERT_EQ(send_request(gateway_.port, fault).status, 201);
  EXPECT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 429);
  EXPECT_EQ(get(menus_[0].port, "/api/menu/items/latte").status, 200) << "the menu itself is fine";
}

TEST_F(Gateway, ForwardsTheSamePathItRouted) {
  start_menus(1);
  start_gateway();
  // Decoded to route, encoded again to forward: the menu sees one item id
  // with a space, not a broken request line or a smuggled query.
  auto spaced = get(gateway_.port, "/api/menu/items/flat%20white");
  EXPECT_EQ(spaced.status, 404) << spaced.body;
  EXPECT_NE(spaced.body.find("flat white"), std::string::npos);
  auto smuggled = get(gateway_.port, "/api/menu/items/latte%3Fstore_id=1");
  EXPECT_EQ(smuggled.status, 404);
}

TEST_F(Gateway, AnswersHeadWithTheUpstreamLength) {
  start_menus(1);
  start_gateway();
  auto full = get(gateway_.port, "/api/menu/items/latte");
  TestRequest head{"HEAD", "/api/menu/items/latte", {}, ""};
  auto res = send_request(gateway_.port, head);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("content-length"), std::to_string(full.body.size()));
}

TEST_F(Gateway, PassesUpstreamErrorsThrough) {
  start_menus(1);
  start_gateway();
  TestRequest fault{"POST",
                    "/admin/faults",
                    {{"Content-Type", "application/json"}, kAdmin},
                    R"({"kind":"error","target":"route:*","status":500,"duration_seconds":30})"};
  ASSERT_EQ(send_request(menus_[0].port, fault).status, 201);
  auto res = get(gateway_.port, "/api/menu/items/latte");
  EXPECT_EQ(res.status, 500);
  EXPECT_NE(res.body.find("injected fault"), std::string::npos);
}

}  // namespace
}  // namespace cafe::test
