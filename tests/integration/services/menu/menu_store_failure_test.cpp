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
  }

  // Every store call now meets `kind` ("latency": it answers after
  // `latency_ms`; "timeout": it is dropped after `latency_ms`).
  void break_store(const std::string& kind, int latency_ms) {
    const auto fault =
        send_request(menu_.port, {"POST",
                                  "/admin/faults",
                                  {kJson, kAdmin},
                                  R"({"kind":")" + kind + R"(","target":"dependency:store","latency_ms":)" +
                                      std::to_string(latency_ms) + R"(,"duration_seconds":60})"});
    ASSERT_EQ(fault.status, 201) << fault.body;
  }

  TempDir dir_;
  app::AppConfig config_ = test_config();
  StartedService menu_;
};

TEST_F(MenuStoreFailure, AWriteEndsWhenTheCallersBudgetDoes) {
  break_store("latency", 3000);
  const auto started = std::chrono::steady_clock::now();
  const auto res =
      send_request(menu_.port, {"POST", "/api/menu/items", {kJson, kAdmin, {"X-Deadline-Ms", "300"}}, kItem});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  EXPECT_LT(took, 1500ms) << "answered at the budget, not after the store's 3 s";
}

TEST_F(MenuStoreFailure, AWriteThroughTheGatewayGetsTheGatewaysBudget) {
  break_store("latency", 3000);
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
  // The store drops every call after 50 ms (a blackhole), well inside the
  // requests' own budgets: a real outage, as the breaker counts them.
  break_store("timeout", 50);
  const TestRequest write{"POST", "/api/menu/items", {kJson, kAdmin}, kItem};
  // Failed calls (these writes, and the refresher's reads) open it within a
  // few; each answer before that is the store's own timeout.
  TestResponse refused;
  std::chrono::steady_clock::duration took{};
  for (int i = 0; i < 10 && refused.status != 503; ++i) {
    const auto started = std::chrono::steady_clock::now();
    refused = send_request(menu_.port, write);
    took = std::chrono::steady_clock::now() - started;
    if (refused.status != 503) EXPECT_EQ(refused.status, 504) << refused.body;
  }
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_LT(took, 100ms);
  EXPECT_EQ(refused.body.find("SQL"), std::string::npos) << "no backend text reaches the client";
}

TEST_F(MenuStoreFailure, TinyClientBudgetsDoNotOpenTheStoreBreaker) {
  break_store("latency", 3000);
  const TestRequest hurried{"POST", "/api/menu/items", {kJson, kAdmin, {"X-Deadline-Ms", "50"}}, kItem};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(send_request(menu_.port, hurried).status, 504);
  // Still the store's own answer (slow, so 504 at the budget), not the
  // breaker's instant 503.
  const TestRequest patient{"POST", "/api/menu/items", {kJson, kAdmin, {"X-Deadline-Ms", "300"}}, kItem};
  EXPECT_EQ(send_request(menu_.port, patient).status, 504);
}

}  // namespace
}  // namespace cafe::test
