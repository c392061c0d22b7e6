// The gateway under the failures chaos experiments inject: a paused
// replica (per-try timeout, retry elsewhere), a replica that keeps failing
// (outlier ejection), replicas added and drained at run time (the admin
// API discovery uses), and the budget sent downstream.
#include "gateway_fixture.h"
#include "support/http_test_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <future>
#include <thread>

namespace cafe::test {
namespace {

using http_client::testing::Script;
using http_client::testing::Seen;
using http_client::testing::TestServer;
using namespace std::chrono_literals;

const std::pair<std::string, std::string> kAdmin{"Authorization", std::string("Bearer ") + kTestAdminToken};

bool is_api(const Seen& seen) {
  return seen.target.starts_with("/api/");
}

int deadline_ms(const Seen& seen) {
  const std::string text = seen.header("X-Deadline-Ms");
  int ms = -1;
  std::from_chars(text.data(), text.data() + text.size(), ms);
  return ms;
}

using GatewayFailure = GatewayOverScriptedUpstreams;

TEST_F(GatewayFailure, RetriesAGetOnAnotherReplicaWhenOneIsPaused) {
  TestServer paused(upstreams_.ioc());
  TestServer live(upstreams_.ioc());
  paused.on_request([](const Seen& seen, int) { return Script{.delay = is_api(seen) ? 10s : 0ms}; });
  gateway_config().upstream_deadline = 2s;
  gateway_config().upstream_per_try_share = 0.25;
  start_gateway({paused.target().to_string(), live.target().to_string()});
  for (int i = 0; i < 4; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const auto res = get(gateway_.port, "/api/menu/items/latte");
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_LT(took, 1500ms) << "one per-try timeout (500 ms), then the live replica";
  }
  EXPECT_GE(paused.requests("GET"), 2) << "round-robin sent some tries to the paused replica";
}

TEST_F(GatewayFailure, DoesNotCutAPostShortWithAPerTryTimeout) {
  TestServer slow(upstreams_.ioc());
  slow.on_request([](const Seen& seen, int) { return Script{.delay = seen.method == "POST" ? 700ms : 0ms}; });
  gateway_config().upstream_deadline = 2s;
  gateway_config().upstream_per_try_share = 0.25;
  start_gateway({slow.target().to_string()});
  const auto res = send_request(gateway_.port, {"POST", "/api/menu/items", {}, "{}"});
  EXPECT_EQ(res.status, 200) << "a POST cannot be retried, so it gets the whole budget: " << res.body;
}

TEST_F(GatewayFailure, EjectsAReplicaThatKeepsFailingAndServesFromTheOthers) {
  std::atomic<int> broken_api_requests{0};
  TestServer broken(upstreams_.ioc());
  TestServer live(upstreams_.ioc());
  broken.on_request([&](const Seen& seen, int) {
    if (!is_api(seen)) return Script{};  // its health checks still pass
    broken_api_requests.fetch_add(1);
    return Script{.reset = true};
  });
  gateway_config().outlier_consecutive_failures = 3;
  gateway_config().outlier_base_ejection = 30s;
  start_gateway({broken.target().to_string(), live.target().to_string()});
  for (int i = 0; i < 20; ++i) {
    const auto res = get(gateway_.port, "/api/menu/items/latte");
    EXPECT_EQ(res.status, 200) << "a GET that hit the broken replica is retried on the live one";
  }
  EXPECT_EQ(broken_api_requests.load(), 3) << "ejected after three failures in a row";
  const auto health = get(gateway_.port, "/health");
  EXPECT_NE(health.body.find(R"("ejected":1)"), std::string::npos) << health.body;
}

TEST_F(GatewayFailure, AddsAndDrainsTargetsAtRunTime) {
  TestServer first(upstreams_.ioc());
  TestServer second(upstreams_.ioc());
  std::atomic<int> second_api{0};
  second.on_request([&](const Seen& seen, int) {
    if (!is_api(seen)) return Script{};
    second_api.fetch_add(1);
    return Script{.delay = 400ms};
  });
  start_gateway({});
  EXPECT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 503) << "no targets yet";

  const auto add = [&](const TestServer& s) {
    return send_request(gateway_.port, {"POST",
                                        "/admin/targets/menu",
                                        {kAdmin, {"Content-Type", "application/json"}},
                                        R"({"address":")" + s.target().to_string() + R"("})"});
  };
  EXPECT_EQ(add(first).status, 201);
  EXPECT_EQ(add(first).status, 409) << "already a member";
  EXPECT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);
  EXPECT_EQ(first.requests("GET") > 0, true);

  // Drain `first`; requests go to `second` only. A request in flight on
  // `second` when it is drained still completes.
  EXPECT_EQ(add(second).status, 201);
  const auto drain = [&](const TestServer& s) {
    return send_request(gateway_.port,
                        {"DELETE", "/admin/targets/menu/" + s.target().to_string(), {kAdmin}, ""});
  };
  EXPECT_EQ(drain(first).status, 202);
  const int first_before = first.requests("GET");
  auto in_flight =
      std::async(std::launch::async, [&] { return get(gateway_.port, "/api/menu/items/latte"); });
  const auto arrived_by = std::chrono::steady_clock::now() + 5s;
  while (second_api.load() == 0 && std::chrono::steady_clock::now() < arrived_by)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(drain(second).status, 202);
  EXPECT_EQ(in_flight.get().status, 200) << "the in-flight request on a draining target finishes";
  EXPECT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 503) << "both draining: nothing in rotation";

  // Both leave once idle (the probe loops collect them).
  const auto give_up = std::chrono::steady_clock::now() + 3s;
  TestResponse listed;
  while (std::chrono::steady_clock::now() < give_up) {
    listed = send_request(gateway_.port, {"GET", "/admin/targets", {kAdmin}, ""});
    if (listed.body.find(R"("group":"menu","targets":[])") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(listed.body.find(R"("group":"menu","targets":[])"), std::string::npos) << listed.body;
  EXPECT_EQ(drain(first).status, 404);
  EXPECT_EQ(first.requests("GET") - first_before, 0) << "no probe of a removed target counts here";
}

TEST_F(GatewayFailure, RefusesBadTargetRequests) {
  start_gateway({});
  const auto post = [&](std::string target, std::string body, bool admin = true) {
    TestRequest r{"POST", std::move(target), {{"Content-Type", "application/json"}}, std::move(body)};
    if (admin) r.headers.push_back(kAdmin);
    return send_request(gateway_.port, r);
  };
  EXPECT_EQ(post("/admin/targets/menu", R"({"address":"127.0.0.1:1"})", false).status, 401);
  EXPECT_EQ(post("/admin/targets/nosuch", R"({"address":"127.0.0.1:1"})").status, 404);
  EXPECT_EQ(post("/admin/targets/menu", R"({"address":"no-port"})").status, 400);
  EXPECT_EQ(post("/admin/targets/menu", R"({"address":"127.0.0.1:1","extra":1})").status, 400);
  EXPECT_EQ(post("/admin/targets/menu", "not json").status, 400);
}

TEST_F(GatewayFailure, SendsTheRemainingBudgetDownstream) {
  TestServer upstream(upstreams_.ioc());
  gateway_config().upstream_deadline = 4s;
  gateway_config().upstream_per_try_share = 0.5;
  start_gateway({upstream.target().to_string()});
  ASSERT_EQ(send_request(gateway_.port, {"POST", "/api/menu/items", {}, "{}"}).status, 200);
  EXPECT_GT(deadline_ms(upstream.last()), 3500) << "a POST's only try gets all of it";
  EXPECT_LE(deadline_ms(upstream.last()), 4000);

  ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte").status, 200);
  EXPECT_GT(deadline_ms(upstream.last()), 1500) << "a GET's first try gets its share";
  EXPECT_LE(deadline_ms(upstream.last()), 2000);

  ASSERT_EQ(get(gateway_.port, "/api/menu/items/latte", {{"X-Deadline-Ms", "300"}}).status, 200);
  EXPECT_LE(deadline_ms(upstream.last()), 300) << "the client's own budget is shorter";
  EXPECT_GT(deadline_ms(upstream.last()), 0);
}

}  // namespace
}  // namespace cafe::test
