// One service calling another through ServiceClient, against real
// scripted HTTP servers: what travels downstream (deadline, request id,
// trace) and how each outcome becomes an Error that says what to do.
#include "platform/upstream/service_client.h"

#include "support/scripted_server.h"

#include <gtest/gtest.h>

#include <charconv>

namespace cafe::upstream {
namespace {

namespace net = boost::asio;
using http_client::testing::Script;
using http_client::testing::Seen;
using http_client::testing::TestServer;
using namespace std::chrono_literals;

http::Request post(std::string target, std::string body = "{}") {
  http::Request r;
  r.method = http::Method::kPost;
  r.method_text = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

http::Request get(std::string target) {
  http::Request r;
  r.method = http::Method::kGet;
  r.method_text = "GET";
  r.target = std::move(target);
  return r;
}

CallContext within(std::chrono::milliseconds budget, bool idempotent = false) {
  return {.deadline = Deadline::after(budget),
          .request_id = "req-42",
          .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
          .span_id = "00f067aa0ba902b7",
          .idempotent = idempotent};
}

class ServiceClientTest : public testing::Test {
 protected:
  std::unique_ptr<ServiceClient> client_for(std::vector<std::string> inventory) {
    auto created = ServiceClient::create(
        {.caller = "order", .services = {{"inventory", std::move(inventory)}}, .policy = {.max_attempts = 2}},
        nullptr);
    EXPECT_TRUE(created) << created.error().detail;
    return created ? std::move(*created) : nullptr;
  }

  Result<http::Response> call(ServiceClient& client, http::Request request, CallContext context,
                              std::string service = "inventory") {
    Result<http::Response> out = Error::internal("not run");
    http_client::testing::run(ioc, [&]() -> net::awaitable<void> {
      out = co_await client.call(service, std::move(request), std::move(context));
    });
    return out;
  }

  net::io_context ioc;
};

TEST_F(ServiceClientTest, CarriesTheCallersDeadlineRequestIdAndTrace) {
  TestServer inventory(ioc);
  auto client = client_for({inventory.target().to_string()});
  auto answer = call(*client, get("/api/inventory/1"), within(800ms));
  ASSERT_TRUE(answer) << answer.error().detail;
  EXPECT_EQ(answer->status, 200);
  const Seen& seen = inventory.last();
  int budget = -1;
  const std::string header = seen.header("X-Deadline-Ms");
  std::from_chars(header.data(), header.data() + header.size(), budget);
  EXPECT_GT(budget, 0);
  EXPECT_LE(budget, 800);
  EXPECT_EQ(seen.header("X-Request-Id"), "req-42");
  EXPECT_EQ(seen.header("traceparent").substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
}

TEST_F(ServiceClientTest, ReturnsTheCalleesAnswersIncludingBusinessRefusals) {
  TestServer inventory(ioc);
  inventory.on_request(
      [](const Seen&, int) { return Script{.status = 422, .body = R"({"title":"short"})"}; });
  auto client = client_for({inventory.target().to_string()});
  auto answer = call(*client, post("/api/inventory/reservations"), within(1s));
  ASSERT_TRUE(answer) << answer.error().detail;
  EXPECT_EQ(answer->status, 422);
}

TEST_F(ServiceClientTest, SaysRetryTheCallWhenNothingWasSent) {
  auto client = client_for({"127.0.0.1:" + std::to_string(http_client::testing::unused_port(ioc))});
  auto answer = call(*client, post("/api/inventory/reservations"), within(1s));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
}

TEST_F(ServiceClientTest, PassesOnTheCalleesRetryAfter) {
  TestServer inventory(ioc);
  inventory.on_request(
      [](const Seen&, int) { return Script{.status = 503, .headers = {{"Retry-After", "7"}}}; });
  auto client = client_for({inventory.target().to_string()});
  auto answer = call(*client, post("/api/inventory/reservations"), within(1s));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(answer.error().retry_after_seconds, 7);
}

TEST_F(ServiceClientTest, SaysOutcomeUnknownWhenAPostWasSentAndNotAnswered) {
  TestServer a(ioc);
  TestServer b(ioc);
  const auto drop_posts = [](const Seen& seen, int) {
    return Script{.close_unanswered = seen.method == "POST"};
  };
  a.on_request(drop_posts);
  b.on_request(drop_posts);
  auto client = client_for({a.target().to_string(), b.target().to_string()});
  auto answer = call(*client, post("/api/inventory/reservations"), within(1s));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kDeadlineExceeded) << answer.error().detail;
  EXPECT_EQ(a.requests("POST") + b.requests("POST"), 1) << "not repeated on the other replica";
}

TEST_F(ServiceClientTest, RepeatsACallDeclaredIdempotentOnAnotherReplica) {
  TestServer dropping(ioc);
  TestServer live(ioc);
  dropping.on_request(
      [](const Seen& seen, int) { return Script{.close_unanswered = seen.method == "POST"}; });
  live.on_request([](const Seen&, int) { return Script{.status = 201}; });
  auto client = client_for({dropping.target().to_string(), live.target().to_string()});
  for (int i = 0; i < 4; ++i) {
    auto answer = call(*client, post("/api/inventory/reservations"), within(1s, /*idempotent=*/true));
    ASSERT_TRUE(answer) << answer.error().detail;
    EXPECT_EQ(answer->status, 201);
  }
  EXPECT_GE(dropping.requests("POST"), 1) << "round-robin reached the dropping replica";
  EXPECT_EQ(live.requests("POST"), 4);
}

TEST_F(ServiceClientTest, GivesUpWithinTheCallersBudget) {
  TestServer slow(ioc);
  slow.on_request([](const Seen&, int) { return Script{.delay = 3s}; });
  auto client = client_for({slow.target().to_string()});
  const auto started = std::chrono::steady_clock::now();
  auto answer = call(*client, post("/api/inventory/reservations"), within(300ms));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_LT(took, 1s);
}

TEST_F(ServiceClientTest, RefusesAnUnknownServiceAndABadAddress) {
  auto client = client_for({});
  auto answer = call(*client, get("/x"), within(1s), "nowhere");
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kNotFound);
  auto bad = ServiceClient::create({.caller = "order", .services = {{"inventory", {"no-port"}}}}, nullptr);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cafe::upstream
