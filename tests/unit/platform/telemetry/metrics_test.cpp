#include "platform/telemetry/metrics.h"

#include "platform/telemetry/http_server_metrics.h"
#include "platform/telemetry/log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace cafe::telemetry {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(HttpServerMetrics, RendersRequestCounterWithLabels) {
  Metrics metrics("menu");
  HttpServerMetrics http(metrics);
  HttpServerMetrics::RouteHandles& items = http.route("/api/menu/items", "GET");
  http.observe(items, 200, 0.003);
  http.observe(items, 200, 0.2);
  http.observe(items, 404, 0.001);
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(
      text,
      R"(cloudcafe_http_requests_total{service="menu",method="GET",route="/api/menu/items",status="200"} 2)"))
      << text;
  EXPECT_TRUE(has_line(
      text,
      R"(cloudcafe_http_requests_total{service="menu",method="GET",route="/api/menu/items",status="404"} 1)"))
      << text;
  EXPECT_TRUE(has_line(
      text,
      R"(cloudcafe_http_request_duration_seconds_count{service="menu",method="GET",route="/api/menu/items"} 3)"))
      << text;
  EXPECT_TRUE(has_line(
      text,
      R"(cloudcafe_http_request_duration_seconds_bucket{service="menu",method="GET",route="/api/menu/items",le="0.005"} 2)"))
      << text;
  EXPECT_TRUE(has_line(
      text,
      R"(cloudcafe_http_request_duration_seconds_bucket{service="menu",method="GET",route="/api/menu/items",le="0.0005"} 0)"))
      << text;
  EXPECT_NE(text.find("# TYPE cloudcafe_http_request_duration_seconds histogram"), std::string::npos);
}

TEST(HttpServerMetrics, BindsOneHandlePerRouteAndMethod) {
  Metrics metrics("menu");
  HttpServerMetrics http(metrics);
  HttpServerMetrics::RouteHandles& get = http.route("/api/orders/{id}", "GET");
  EXPECT_EQ(&get, &http.route("/api/orders/{id}", "GET"));
  EXPECT_NE(&get, &http.route("/api/orders/{id}", "DELETE"));
  EXPECT_NE(&get, &http.route("/api/orders", "GET"));
}

TEST(HttpServerMetrics, CountsStatusesBeyondTheCachedSlots) {
  Metrics metrics("order");
  HttpServerMetrics http(metrics);
  HttpServerMetrics::RouteHandles& route = http.route("/x", "POST");
  for (int status = 200; status < 230; ++status) {
    http.observe(route, status, 0.01);
    http.observe(route, status, 0.01);
  }
  const std::string text = metrics.render();
  for (int status = 200; status < 230; ++status) {
    EXPECT_TRUE(
        has_line(text, R"(cloudcafe_http_requests_total{service="order",method="POST",route="/x",status=")" +
                           std::to_string(status) + "\"} 2"))
        << status;
  }
}

TEST(HttpServerMetrics, CountsImpossibleStatusAsOther) {
  Metrics metrics("order");
  HttpServerMetrics http(metrics);
  HttpServerMetrics::RouteHandles& route = http.route("/x", "GET");
  http.observe(route, 0, 0.01);
  http.observe(route, 1000, 0.01);
  EXPECT_TRUE(
      has_line(metrics.render(),
               R"(cloudcafe_http_requests_total{service="order",method="GET",route="/x",status="other"} 2)"));
}

TEST(HttpServerMetrics, ObserveIsExactUnderConcurrency) {
  Metrics metrics("order");
  HttpServerMetrics http(metrics);
  HttpServerMetrics::RouteHandles& route = http.route("/x", "GET");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) http.observe(route, 200 + (i + t) % 8, 0.001);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string text = metrics.render();
  for (int status = 200; status < 208; ++status) {
    EXPECT_TRUE(
        has_line(text, R"(cloudcafe_http_requests_total{service="order",method="GET",route="/x",status=")" +
                           std::to_string(status) + "\"} " + std::to_string(kThreads * kPerThread / 8)))
        << text;
  }
}

TEST(HttpServerMetrics, TracksConnectionsAndRequestsInFlight) {
  Metrics metrics("gateway");
  HttpServerMetrics http(metrics);
  http.connection_opened();
  http.connection_opened();
  http.connection_closed();
  http.request_started();
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(text, R"(cloudcafe_http_connections_active{service="gateway"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(cloudcafe_http_requests_in_flight{service="gateway"} 1)")) << text;
}

TEST(Metrics, ExposesDroppedLogLines) {
  Metrics metrics("menu");
  const std::string text = metrics.render();
  EXPECT_TRUE(has_line(
      text, R"(cloudcafe_log_lines_dropped_total{service="menu"} )" + std::to_string(dropped_log_lines())))
      << text;
}

TEST(Metrics, SharesRegistryForOtherCollectors) {
  Metrics metrics("menu");
  prometheus::BuildCounter()
      .Name("cloudcafe_orders_placed_total")
      .Help("h")
      .Register(*metrics.shared_registry())
      .Add({})
      .Increment(3);
  EXPECT_TRUE(has_line(metrics.render(), "cloudcafe_orders_placed_total 3"));
}

}  // namespace
}  // namespace cafe::telemetry
