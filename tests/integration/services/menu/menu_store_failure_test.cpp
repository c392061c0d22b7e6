// The menu when its store stops answering: it spends no more on the store
// than the caller gave it (the gateway's X-Deadline-Ms, or a client's), and
// once the store keeps failing its breaker answers at once, 503 with
// Retry-After, until a probe finds the store back.
#include "services/gateway/gateway_config.h"
#include "support/http_test_client.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <chrono>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;

const std::pair<std::string, std::string> kAdmin{"Authorization", std::string("Bearer ") + kTestAdminToken};
const std::pair<std::string, std::string> kJson{"Content-Type", "application/json"};
const std::string kItem =
    R"({"item_id":"slow_latte","name":"Slow Latte","category":"espresso","kind":"drink","price_cents":500})";

class MenuStoreFailure : public testing::Test {
 protected:
  void SetUp() override {
    menu_ = start_service("menu", config_, dir_.path().string());
    ASSERT_NE(menu_.port, 0);
    // Every store call now takes 3 s.
    const auto fault = send_request(menu_.port, {"POST",
                                                 "/admin/faults",
                                                 {kJson, kAdmin},
                                                 R"({"kind":"latency","target":"dependency:store",)"
                                                 R"("latency_ms":3000,"duration_seconds":60})"});
    ASSERT_EQ(fault.status, 201) << fault.body;
  }

  TempDir dir_;
  app::AppConfig config_ = test_config();
  StartedService menu_;
};

TEST_F(MenuStoreFailure, AWriteEndsWhenTheCallersBudgetDoes) {
  const auto started = std::chrono::steady_clock::now();
  const auto res =
      send_request(menu_.port, {"POST", "/api/menu/items", {kJson, kAdmin, {"X-Deadline-Ms", "300"}}, kItem});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  EXPECT_LT(took, 1500ms) << "answered at the budget, not after the store's 3 s";
}

TEST_F(MenuStoreFailure, AWriteThroughTheGatewayGetsTheGatewaysBudget) {
  auto& gateway = config_.service<gateway::GatewayConfig>("gateway");
  gateway.targets = {{"menu", {menu_.address}}};
  gateway.upstream_deadline = 500ms;
  StartedService gw = start_service("gateway", config_, dir_.path().string());
  ASSERT_NE(gw.port, 0);
  const auto started = std::chrono::steady_clock::now();
  const auto res = send_request(gw.port, {"POST", "/api/menu/items", {kJson, kAdmin}, kItem});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_LT(took, 1500ms);
  // The menu gave up too (its own 504), rather than holding a store call
  // for seconds after the gateway left: its request count shows an answer.
  TestResponse metrics;
  const auto give_up = std::chrono::steady_clock::now() + 2s;
  do {
    metrics = get(menu_.port, "/metrics");
  } while (metrics.body.find(R"(route="/api/menu/items",status="504")") == std::string::npos &&
           std::chrono::steady_clock::now() < give_up);
  EXPECT_NE(metrics.body.find(R"(method="POST",route="/api/menu/items",status="504"} 1)"), std::string::npos)
      << metrics.body;
  gw.stop();
}

TEST_F(MenuStoreFailure, TheStoreBreakerAnswersFastOnceTheStoreKeepsFailing) {
  const TestRequest write{"POST", "/api/menu/items", {kJson, kAdmin, {"X-Deadline-Ms", "100"}}, kItem};
  // Five calls in a row time out against the slow store...
  for (int i = 0; i < 5; ++i) EXPECT_EQ(send_request(menu_.port, write).status, 504);
  // ...so the next is refused by the breaker without waiting on the store.
  const auto started = std::chrono::steady_clock::now();
  const auto refused = send_request(menu_.port, write);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_LT(took, 100ms);
  EXPECT_EQ(refused.body.find("SQL"), std::string::npos) << "no backend text reaches the client";
}

}  // namespace
}  // namespace cafe::test
