#include "platform/service/concurrency_limiter.h"

#include "platform/service/limits_config.h"
#include "platform/telemetry/metrics.h"
#include "unit/platform/service/io_thread.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <future>

namespace cafe::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::Gate;
using testing::IoThread;

TEST(ConcurrencyLimiter, GrantsUpToItsLimitThenShedsWithRetryAfter) {
  ConcurrencyLimiter limiter(
      {.name = "store", .kind = ConcurrencyLimiter::Kind::kDependency, .max_in_flight = 2});
  auto first = limiter.try_acquire();
  auto second = limiter.try_acquire();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(limiter.in_flight(), 2u);
  auto third = limiter.try_acquire();
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(third.error().retry_after_seconds, 1);
  EXPECT_NE(third.error().detail.find("store"), std::string::npos) << third.error().detail;
  EXPECT_EQ(limiter.shed_count(), 1u);
}

TEST(ConcurrencyLimiter, APermitReturnsItsUnitWhenDestroyed) {
  ConcurrencyLimiter limiter(
      {.name = "store", .kind = ConcurrencyLimiter::Kind::kDependency, .max_in_flight = 1});
  {
    auto permit = limiter.try_acquire();
    ASSERT_TRUE(permit);
    EXPECT_FALSE(limiter.try_acquire());
  }
  EXPECT_EQ(limiter.in_flight(), 0u);
  EXPECT_TRUE(limiter.try_acquire());
}

TEST(ConcurrencyLimiter, AMovedPermitReleasesOnce) {
  ConcurrencyLimiter limiter(
      {.name = "store", .kind = ConcurrencyLimiter::Kind::kDependency, .max_in_flight = 2});
  {
    auto permit = limiter.try_acquire();
    ASSERT_TRUE(permit);
    ConcurrencyLimiter::Permit moved = std::move(*permit);
    auto other = limiter.try_acquire();
    ASSERT_TRUE(other);
    moved = std::move(*other);  // releases the first unit, holds the second
    EXPECT_EQ(limiter.in_flight(), 1u);
  }
  EXPECT_EQ(limiter.in_flight(), 0u);
}

http::Request request_for(std::string path) {
  http::Request req;
  req.method = http::Method::kGet;
  req.path = path;
  req.route = std::move(path);
  req.request_id = "req-1";
  return req;
}

class RouteLimits : public ::testing::Test {
 protected:
  RouteLimits() {
    LimitsConfig config;
    config.route_max_in_flight = 5;
    config.routes.emplace("/slow", 1);
    limits_ = std::make_unique<ConcurrencyLimits>(config, metrics_);
    auto gated = [this](http::Request&) -> asio::awaitable<http::Response> {
      co_await gate_.wait();
      co_return http::Response::json(200, "{}");
    };
    EXPECT_TRUE(router_.add(http::Method::kGet, "/slow", gated));
    EXPECT_TRUE(router_.add(http::Method::kGet, "/admin/slow", gated, {.access = http::Access::kAdmin}));
    limits_->apply_to_routes(router_);
  }

  // Starts the route's handler on the I/O thread; its response arrives later.
  std::future<http::Response> call(const std::string& path) {
    auto req = std::make_shared<http::Request>(request_for(path));
    http::Route* route = router_.match(http::Method::kGet, path).route;
    return asio::co_spawn(
        io_.executor(),
        [route, req]() -> asio::awaitable<http::Response> { co_return co_await route->handler(*req); },
        asio::use_future);
  }

  telemetry::Metrics metrics_{"test"};
  std::unique_ptr<ConcurrencyLimits> limits_;
  http::Router router_;
  Gate gate_;
  IoThread io_;  // last: stops before what its handlers use goes
};

TEST_F(RouteLimits, ARouteAtItsLimitAnswers503WithRetryAfterWithoutRunningTheHandler) {
  auto first = call("/slow");
  auto second = call("/slow");
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  const http::Response shed = second.get();
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(shed.headers.get("Retry-After").value_or(""), "1");
  EXPECT_NE(shed.body.find("shedding load"), std::string::npos) << shed.body;
  gate_.open();
  ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(limits_->route("/slow").in_flight(), 0u);
}

TEST_F(RouteLimits, OperatorRoutesAreNeverShed) {
  auto first = call("/admin/slow");
  auto second = call("/admin/slow");
  EXPECT_EQ(second.wait_for(100ms), std::future_status::timeout);
  gate_.open();
  ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
}

TEST_F(RouteLimits, ShedCallsAndLimitsShowInMetrics) {
  auto first = call("/slow");
  auto second = call("/slow");
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  second.get();
  const std::string text = metrics_.render();
  EXPECT_NE(text.find(R"(cloudcafe_load_shed_total{service="test",kind="route",name="/slow"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(cloudcafe_concurrency_limit{service="test",kind="route",name="/slow"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(cloudcafe_concurrency_in_flight{service="test",kind="route",name="/slow"} 1)"),
            std::string::npos)
      << text;
  gate_.open();
  first.wait();
}

TEST(ConcurrencyLimits, ADependencyWithoutItsOwnEntryGetsTheDefault) {
  telemetry::Metrics metrics("test");
  LimitsConfig config;
  config.dependency_max_in_flight = 7;
  config.dependencies.emplace("store", 3);
  ConcurrencyLimits limits(config, metrics);
  EXPECT_EQ(limits.dependency("store").options().max_in_flight, 3u);
  EXPECT_EQ(limits.dependency("inventory").options().max_in_flight, 7u);
  EXPECT_EQ(&limits.dependency("store"), &limits.dependency("store"));
}

}  // namespace
}  // namespace cafe::service
