// The HTTP server and pipeline under bad and hostile input, slow clients and
// shutdown, exercised over real sockets against the menu service.
#include "support/http_test_client.h"
#include "support/raw_socket.h"
#include "support/service_harness.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace cafe::test {
namespace {

const std::pair<std::string, std::string> kAdmin{"Authorization", std::string("Bearer ") + kTestAdminToken};
const std::pair<std::string, std::string> kJson{"Content-Type", "application/json"};

class Server : public testing::Test {
 protected:
  void SetUp() override {
    config_.http.read_timeout = std::chrono::milliseconds(400);
    menu_ = start_service("menu", config_, dir_.path().string());
    ASSERT_NE(menu_.port, 0);
  }

  TestResponse post_item(std::string body) {
    return send_request(menu_.port, {"POST", "/api/menu/items", {kJson, kAdmin}, std::move(body)});
  }

  void expect_bad_body(const std::string& body, const std::string& detail_part) {
    auto res = post_item(body);
    EXPECT_EQ(res.status, 400) << body << " -> " << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json");
    EXPECT_NE(res.body.find(detail_part), std::string::npos) << res.body;
  }

  TempDir dir_;
  app::AppConfig config_ = test_config();
  StartedService menu_;
};

TEST_F(Server, RejectsMalformedAndTruncatedJson) {
  expect_bad_body(R"({"item_id": "x", )", "truncated");
  expect_bad_body(R"({"item_id" "x"})", "malformed JSON");
  expect_bad_body(R"({"item_id":"x"} trailing)", "malformed JSON");
  expect_bad_body("", "empty");
}

TEST_F(Server, RejectsDeepNesting) {
  expect_bad_body(std::string(200, '[') + std::string(200, ']'), "nested deeper");
}

TEST_F(Server, RejectsWrongTypesAndHugeNumbers) {
  expect_bad_body(R"({"item_id":"x","name":7,"category":"espresso","price_cents":"cheap"})",
                  "expected a string");
  expect_bad_body(R"({"item_id":"x","name":"X","category":"espresso","price_cents":1e400})", "price_cents");
  expect_bad_body(R"({"item_id":"x","name":"X","category":"espresso","price_cents":99999999999999999999999})",
                  "price_cents");
}

TEST_F(Server, RejectsInvalidUtf8) {
  expect_bad_body("{\"item_id\":\"x\",\"name\":\"\xC3\x28\",\"category\":\"espresso\",\"price_cents\":1}",
                  "malformed JSON");
}

TEST_F(Server, RejectsAnOversizedBodyWithoutReadingIt) {
  auto res = post_item("{\"name\":\"" + std::string(200 * 1024, 'a') + "\"}");
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
}

TEST_F(Server, RejectsADeclaredBodyOverTheRouteLimitBeforeReadingIt) {
  // 2 MiB declared on a 64 KiB route: refused from the header alone, and
  // the answer still reaches the client although the body keeps coming.
  auto res = post_item(std::string(2u << 20, 'x'));
  EXPECT_EQ(res.status, 413) << res.error;
  EXPECT_NE(res.body.find("exceeds the limit of 65536 bytes"), std::string::npos);
}

TEST_F(Server, AnswersAnUnauthenticatedLargeUploadWith401) {
  TestRequest req{"POST", "/api/menu/items", {kJson}, std::string(40 * 1024, 'x')};
  auto res = send_request(menu_.port, req);
  EXPECT_EQ(res.status, 401) << res.error;
}

TEST_F(Server, SendsNoContentLengthOnNoContentOrNotModified) {
  TestRequest clear{"DELETE", "/admin/faults", {kAdmin}, ""};
  auto deleted = send_request(menu_.port, clear);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.headers.count("content-length"), 0u);
  auto first = get(menu_.port, "/api/menu");
  auto again = get(menu_.port, "/api/menu", {{"If-None-Match", first.header("etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.headers.count("content-length"), 0u);
}

TEST_F(Server, RejectsOversizedHeaders) {
  auto res = get(menu_.port, "/api/menu", {{"X-Padding", std::string(16 * 1024, 'p')}});
  EXPECT_EQ(res.status, 431);
}

TEST_F(Server, NormalisesOrRejectsHostilePaths) {
  EXPECT_EQ(get(menu_.port, "/api//menu/./items/../items/latte").status, 200);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/..%2F..%2F..%2Fetc%2Fpasswd").status, 404);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/%zz").status, 400);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/%00").status, 400);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/%C0%AF").status, 400);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/" + std::string(3000, 'a')).status, 400);
  auto absolute = send_raw(menu_.port, "GET http://evil.example/api/menu HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(absolute.status, 400);
}

TEST_F(Server, AnswersUnknownRoutesAndMethodsWithProblems) {
  EXPECT_EQ(get(menu_.port, "/api/espresso-machine").status, 404);
  TestRequest patch{"PATCH", "/api/menu", {}, ""};
  auto res = send_request(menu_.port, patch);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "GET, HEAD");
  auto brew = send_raw(menu_.port, "BREW /api/menu HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(brew.status, 405);
}

TEST_F(Server, RejectsAMalformedRequestLine) {
  EXPECT_EQ(send_raw(menu_.port, "GET /api/menu HTTP/9.9\r\n\r\n").status, 400);
  EXPECT_EQ(send_raw(menu_.port, "\x01\x02garbage\r\n\r\n").status, 400);
}

TEST_F(Server, ServesOthersWhileAClientStallsMidRequest) {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::socket stalled(ctx);
  stalled.connect({boost::asio::ip::make_address("127.0.0.1"), menu_.port});
  boost::asio::write(stalled,
                     boost::asio::buffer(std::string("GET /api/menu HTTP/1.1\r\nHost: x\r\nX-Slow: ")));

  for (int i = 0; i < 5; ++i) EXPECT_EQ(get(menu_.port, "/api/menu/items/latte").status, 200);

  // The stalled connection is closed once the read timeout (400 ms) passes.
  const auto waiting = std::chrono::steady_clock::now();
  std::string answer(512, '\0');
  boost::system::error_code ec;
  const auto n = stalled.read_some(boost::asio::buffer(answer), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(ec, boost::asio::error::eof) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - waiting, std::chrono::seconds(3));
}

TEST_F(Server, FinishesAnInFlightRequestOnGracefulShutdown) {
  TestRequest fault{"POST",
                    "/admin/faults",
                    {kJson, kAdmin},
                    R"({"kind":"latency","target":"route:/api/menu/items/{item_id}","latency_ms":500,)"
                    R"("duration_seconds":30})"};
  ASSERT_EQ(send_request(menu_.port, fault).status, 201);
  auto in_flight =
      std::async(std::launch::async, [port = menu_.port] { return get(port, "/api/menu/items/latte"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto stopping = std::chrono::steady_clock::now();
  menu_.stop();
  const auto stopped_after = std::chrono::steady_clock::now() - stopping;
  auto res = in_flight.get();
  EXPECT_EQ(res.status, 200) << res.error;
  EXPECT_LT(stopped_after, std::chrono::seconds(5));
  EXPECT_EQ(get(menu_.port, "/health/live").status, 0) << "no longer accepting";
}

TEST_F(Server, ExpiresInjectedFaultsAndCanRemoveThem) {
  TestRequest fault{"POST",
                    "/admin/faults",
                    {kJson, kAdmin},
                    R"({"kind":"error","target":"route:*","status":503,"duration_seconds":1})"};
  auto added = send_request(menu_.port, fault);
  ASSERT_EQ(added.status, 201);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/latte").status, 503);
  EXPECT_EQ(get(menu_.port, "/health/ready").status, 200) << "health is exempt";
  TestRequest clear{"DELETE", "/admin/faults", {kAdmin}, ""};
  EXPECT_EQ(send_request(menu_.port, clear).status, 204);
  EXPECT_EQ(get(menu_.port, "/api/menu/items/latte").status, 200);
  TestRequest bad{"POST", "/admin/faults", {kJson, kAdmin}, R"({"kind":"meteor","target":"route:*"})"};
  auto refused = send_request(menu_.port, bad);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("duration_seconds"), std::string::npos);
}

TEST_F(Server, KeepsServingReadsWhenTheStoreIsBrokenAndRefusesWritesWith503) {
  TestRequest fault{"POST",
                    "/admin/faults",
                    {kJson, kAdmin},
                    R"({"kind":"error","target":"dependency:store","duration_seconds":30})"};
  ASSERT_EQ(send_request(menu_.port, fault).status, 201);
  // The catalog snapshot is in memory: customers still see the menu.
  EXPECT_EQ(get(menu_.port, "/api/menu?store_id=1").status, 200);
  auto write = post_item(R"({"item_id":"mocha_2","name":"Mocha","category":"espresso","price_cents":550})");
  EXPECT_EQ(write.status, 503) << write.body;
  EXPECT_FALSE(write.header("retry-after").empty());
  EXPECT_NE(write.body.find("dependency:store"), std::string::npos);
}

TEST_F(Server, TreatsABrokenCacheAsAMiss) {
  TestRequest fault{"POST",
                    "/admin/faults",
                    {kJson, kAdmin},
                    R"({"kind":"error","target":"dependency:cache","duration_seconds":30})"};
  ASSERT_EQ(send_request(menu_.port, fault).status, 201);
  auto res = get(menu_.port, "/api/menu?store_id=2");
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("University"), std::string::npos);
}

TEST_F(Server, ExposesRedMetricsByRouteTemplate) {
  ASSERT_EQ(get(menu_.port, "/api/menu/items/latte").status, 200);
  auto metrics = get(menu_.port, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("cloudcafe_http_requests_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("route=\"/api/menu/items/{item_id}\""), std::string::npos);
  EXPECT_NE(metrics.body.find("cloudcafe_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(Server, CountsAndLogsRefusedAdminCredentials) {
  const TestRequest no_token{"POST", "/admin/faults", {kJson}, "{}"};
  const TestRequest wrong_token{
      "POST", "/admin/faults", {kJson, {"Authorization", "Bearer not-the-token-at-all"}}, "{}"};
  EXPECT_EQ(send_request(menu_.port, no_token).status, 401);
  EXPECT_EQ(send_request(menu_.port, wrong_token).status, 403);
  EXPECT_EQ(send_request(menu_.port, wrong_token).status, 403);
  const auto metrics = get(menu_.port, "/metrics");
  EXPECT_NE(
      metrics.body.find(R"(cloudcafe_http_admin_auth_failures_total{service="menu",reason="missing"} 1)"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(cloudcafe_http_admin_auth_failures_total{service="menu",reason="wrong"} 2)"),
            std::string::npos);
}

TEST_F(Server, ShowsLiveConnectionsAndRequestsInFlight) {
  // Two idle keep-alive connections stay open while /metrics is read on a
  // third: three connections, one request (the scrape itself) in flight.
  RawSocket first(menu_.port);
  RawSocket second(menu_.port);
  ASSERT_TRUE(first.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(second.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(first.read_response().status, 200);
  ASSERT_EQ(second.read_response().status, 200);
  const auto metrics = get(menu_.port, "/metrics");
  EXPECT_NE(metrics.body.find(R"(cloudcafe_http_connections_active{service="menu"} 3)"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(cloudcafe_http_requests_in_flight{service="menu"} 1)"), std::string::npos);
}

}  // namespace
}  // namespace cafe::test
