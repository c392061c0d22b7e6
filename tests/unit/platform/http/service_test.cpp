// The HttpService pipeline driven without sockets: admit() sees the head,
// handle() runs on an io_context, as the server would call them.
#include "platform/http/service.h"

#include "platform/telemetry/metrics.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>

namespace cafe::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::string_view kToken = "pipeline-admin-token-0123456789";
constexpr std::string_view kTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

struct Sent {
  Response response;
  bool admitted = false;  // false: admit() answered without reading the body
};

class Pipeline : public ::testing::Test {
 protected:
  explicit Pipeline(std::optional<std::string> token = std::string(kToken))
      : metrics_("test"),
        service_(ServiceOptions{.service = "test",
                                .replica = "test-1",
                                .admin_token = std::move(token),
                                .access_log = false,
                                .ready = {}},
                 router_, metrics_, faults_) {}

  void SetUp() override {
    auto ok = [](Request&) -> asio::awaitable<Response> { co_return Response::json(200, R"({"ok":true})"); };
    ASSERT_TRUE(router_.add(Method::kGet, "/api/menu", ok));
    ASSERT_TRUE(router_.add(Method::kPost, "/api/menu/items", ok, {.access = Access::kAdmin}));
    ASSERT_TRUE(
        router_.add(Method::kGet, "/api/menu/items/{item_id}", [](Request& req) -> asio::awaitable<Response> {
          co_return Response::text(200, std::string(req.params.get("item_id").value_or("")));
        }));
    ASSERT_TRUE(router_.add(Method::kGet, "/api/boom", [](Request&) -> asio::awaitable<Response> {
      throw std::runtime_error("secret: connection string host=db password=hunter2");
      co_return Response::empty(200);
    }));
    ASSERT_TRUE(service_.seal());
  }

  Sent send(Method method, std::string target, Headers headers = {}, std::string body = {}) {
    Request req;
    req.method = method;
    req.method_text = std::string(to_string(method));
    req.target = std::move(target);
    req.headers = std::move(headers);
    req.remote_address = "127.0.0.1";
    req.received_at = std::chrono::steady_clock::now();
    Admission admission = service_.admit(req);
    if (admission.reject) return {std::move(*admission.reject), false};
    EXPECT_LE(body.size(), admission.body_limit);
    req.body = std::move(body);
    std::optional<Response> out;
    std::exception_ptr error;
    asio::io_context io;
    asio::co_spawn(io, service_.handle(req), [&](std::exception_ptr e, Response r) {
      error = e;
      if (!e) out = std::move(r);
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return {std::move(*out), true};
  }

  Sent get(std::string target, Headers headers = {}) {
    return send(Method::kGet, std::move(target), std::move(headers));
  }

  static Headers bearer(std::string_view token) {
    Headers h;
    h.add("Authorization", "Bearer " + std::string(token));
    return h;
  }

  void add_fault(faults::Kind kind, std::string target, int status = 503) {
    faults::Fault f;
    f.kind = kind;
    f.target = std::move(target);
    f.status = status;
    const auto now = std::chrono::system_clock::now();
    f.expires_at = now + 60s;
    ASSERT_TRUE(faults_.add(std::move(f), now));
  }

  Router router_;
  telemetry::Metrics metrics_;
  faults::Registry faults_;
  HttpService service_;
};

boost::json::object problem_body(const Response& r) {
  EXPECT_EQ(r.headers.get("Content-Type"), "application/problem+json");
  return boost::json::parse(r.body).as_object();
}

TEST_F(Pipeline, UnknownRouteIsA404ProblemWithARequestId) {
  const Sent s = get("/api/nothing");
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.response.status, 404);
  const auto id = s.response.headers.get("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->empty());
  const auto body = problem_body(s.response);
  EXPECT_EQ(body.at("request_id").as_string(), *id);
  EXPECT_EQ(body.at("instance").as_string(), "/api/nothing");
}

TEST_F(Pipeline, WrongMethodIsA405WithAllow) {
  const Sent s = send(Method::kDelete, "/api/menu");
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.response.status, 405);
  EXPECT_EQ(s.response.headers.get("Allow"), "GET, HEAD");
  EXPECT_EQ(problem_body(s.response).at("status").as_int64(), 405);
}

TEST_F(Pipeline, NormalisesThePathBeforeRouting) {
  const Sent s = get("//api/./x/..//menu/items/%6Catte?store_id=1");
  ASSERT_TRUE(s.admitted);
  EXPECT_EQ(s.response.status, 200);
  EXPECT_EQ(s.response.body, "latte");
}

TEST_F(Pipeline, MalformedPathOrTargetIsA400) {
  EXPECT_EQ(get("/api/%zz").response.status, 400);
  EXPECT_EQ(get("/api/%00").response.status, 400);
  EXPECT_EQ(get("api/menu").response.status, 400);
  EXPECT_TRUE(get("api/menu").response.headers.contains("X-Request-Id"));
}

TEST_F(Pipeline, OverlongQueryIsA414) {
  const Sent s = get("/api/menu?q=" + std::string(5000, 'a'));
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.response.status, 414);
}

TEST_F(Pipeline, AdminRouteWithoutTokenIsRejectedAtAdmissionWith401) {
  const Sent s = send(Method::kPost, "/api/menu/items", {}, R"({"name":"x"})");
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.response.status, 401);
  EXPECT_EQ(s.response.headers.get("WWW-Authenticate"), "Bearer");
}

TEST_F(Pipeline, AdminRouteWithWrongTokenIs403WithoutChallenge) {
  const Sent s = send(Method::kPost, "/api/menu/items", bearer("not-the-token"));
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.response.status, 403);
  EXPECT_FALSE(s.response.headers.contains("WWW-Authenticate"));
}

TEST_F(Pipeline, AdminRouteWithTheTokenReachesTheHandler) {
  const Sent s = send(Method::kPost, "/api/menu/items", bearer(kToken), "{}");
  EXPECT_TRUE(s.admitted);
  EXPECT_EQ(s.response.status, 200);
}

TEST_F(Pipeline, BuiltInAdminRoutesNeedTheToken) {
  EXPECT_EQ(get("/admin/faults").response.status, 401);
  EXPECT_EQ(get("/admin/faults", bearer(kToken)).response.status, 200);
}

TEST_F(Pipeline, MalformedIncomingRequestIdIsReplaced) {
  Headers h;
  h.add("X-Request-Id", "evil id\r\nSet-Cookie: x");
  const Sent s = get("/api/menu", h);
  const auto id = s.response.headers.get("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_NE(*id, "evil id\r\nSet-Cookie: x");
  EXPECT_EQ(id->find(' '), std::string_view::npos);
  Headers long_id;
  long_id.add("X-Request-Id", std::string(129, 'a'));
  EXPECT_NE(get("/api/menu", long_id).response.headers.get("X-Request-Id"), std::string(129, 'a'));
}

TEST_F(Pipeline, ValidIncomingRequestIdIsEchoed) {
  Headers h;
  h.add("x-request-id", "load-gen:client-7.42");
  EXPECT_EQ(get("/api/menu", h).response.headers.get("X-Request-Id"), "load-gen:client-7.42");
  // Rejections carry it too.
  EXPECT_EQ(get("/api/nothing", h).response.headers.get("X-Request-Id"), "load-gen:client-7.42");
}

TEST_F(Pipeline, ValidTraceparentKeepsItsTraceIdWithANewSpan) {
  Headers h;
  h.add("traceparent", std::string(kTraceParent));
  const Sent s = get("/api/menu", h);
  const auto out = s.response.headers.get("traceparent");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->substr(0, 36), kTraceParent.substr(0, 36));
  EXPECT_NE(out->substr(36, 16), kTraceParent.substr(36, 16));
}

TEST_F(Pipeline, MalformedTraceparentStartsANewTrace) {
  Headers h;
  h.add("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
  const Sent s = get("/api/menu", h);
  const auto out = s.response.headers.get("traceparent");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->size(), 55u);
  EXPECT_EQ(out->find("4BF92F"), std::string_view::npos);
  EXPECT_EQ(out->find("4bf92f3577b34da6"), std::string_view::npos);
}

TEST_F(Pipeline, InjectedErrorFaultAnswersItsStatus) {
  add_fault(faults::Kind::kError, "route:/api/menu", 502);
  const Sent s = get("/api/menu");
  EXPECT_TRUE(s.admitted);
  EXPECT_EQ(s.response.status, 502);
  EXPECT_NE(problem_body(s.response).at("detail").as_string().find("injected fault f1"), std::string::npos);
  // Other routes are untouched by a fault on one template.
  EXPECT_EQ(get("/api/menu/items/latte").response.status, 200);
}

TEST_F(Pipeline, FaultTargetsTheTemplateNotTheRawPath) {
  add_fault(faults::Kind::kError, "route:/api/menu/items/{item_id}", 500);
  EXPECT_EQ(get("/api/menu/items/latte").response.status, 500);
  EXPECT_EQ(get("/api/menu/items/mocha").response.status, 500);
  EXPECT_EQ(get("/api/menu").response.status, 200);
}

TEST_F(Pipeline, InjectedThrottleAnswers429WithRetryAfter) {
  add_fault(faults::Kind::kThrottle, "route:*");
  const Sent s = get("/api/menu");
  EXPECT_EQ(s.response.status, 429);
  EXPECT_TRUE(s.response.headers.contains("Retry-After"));
}

TEST_F(Pipeline, AdminHealthAndMetricsRoutesAreExemptFromFaults) {
  add_fault(faults::Kind::kError, "route:*", 503);
  add_fault(faults::Kind::kError, "route:/health/live", 503);
  EXPECT_EQ(get("/api/menu").response.status, 503);
  EXPECT_EQ(get("/health/live").response.status, 200);
  EXPECT_EQ(get("/health/ready").response.status, 200);
  EXPECT_EQ(get("/health").response.status, 200);
  EXPECT_EQ(get("/metrics").response.status, 200);
  EXPECT_EQ(get("/admin/faults", bearer(kToken)).response.status, 200);
  EXPECT_EQ(send(Method::kDelete, "/admin/faults", bearer(kToken)).response.status, 204);
  EXPECT_EQ(get("/api/menu").response.status, 200);
}

TEST_F(Pipeline, FaultsAddedThroughTheAdminApiApply) {
  const Sent added =
      send(Method::kPost, "/admin/faults", bearer(kToken),
           R"({"kind":"error","target":"route:/api/menu","duration_seconds":60,"status":504})");
  ASSERT_EQ(added.response.status, 201) << added.response.body;
  const auto location = added.response.headers.get("Location");
  ASSERT_TRUE(location);
  EXPECT_EQ(get("/api/menu").response.status, 504);
  EXPECT_EQ(send(Method::kDelete, std::string(*location), bearer(kToken)).response.status, 204);
  EXPECT_EQ(send(Method::kDelete, std::string(*location), bearer(kToken)).response.status, 404);
  EXPECT_EQ(get("/api/menu").response.status, 200);
}

TEST_F(Pipeline, InvalidFaultRequestIsA400ListingFields) {
  const Sent s = send(Method::kPost, "/admin/faults", bearer(kToken), R"({"kind":"nope"})");
  EXPECT_EQ(s.response.status, 400);
  EXPECT_FALSE(problem_body(s.response).at("errors").as_array().empty());
}

TEST_F(Pipeline, HandlerExceptionBecomes500WithoutInternalText) {
  const Sent s = get("/api/boom");
  EXPECT_EQ(s.response.status, 500);
  EXPECT_EQ(s.response.body.find("hunter2"), std::string::npos) << s.response.body;
  EXPECT_EQ(s.response.body.find("secret"), std::string::npos) << s.response.body;
  EXPECT_TRUE(s.response.headers.contains("X-Request-Id"));
}

TEST_F(Pipeline, MetricsCountRequestsByRouteTemplate) {
  get("/api/menu/items/latte");
  get("/api/menu/items/mocha");
  get("/api/nothing");
  const std::string text = get("/metrics").response.body;
  std::istringstream lines(text);
  std::string line;
  bool templated = false;
  bool unmatched = false;
  while (std::getline(lines, line)) {
    if (!line.starts_with("cloudcafe_http_requests_total{")) continue;
    EXPECT_EQ(line.find("/api/menu/items/latte"), std::string::npos) << "raw path as a label: " << line;
    if (line.find("route=\"/api/menu/items/{item_id}\"") != std::string::npos &&
        line.find("status=\"200\"") != std::string::npos) {
      templated = true;
      EXPECT_TRUE(line.ends_with(" 2")) << line;
    }
    if (line.find("route=\"unmatched\"") != std::string::npos &&
        line.find("status=\"404\"") != std::string::npos) {
      unmatched = true;
    }
  }
  EXPECT_TRUE(templated) << text;
  EXPECT_TRUE(unmatched) << text;
}

TEST_F(Pipeline, HealthAnswersWithServiceAndReplica) {
  const auto body = boost::json::parse(get("/health").response.body).as_object();
  EXPECT_EQ(body.at("status").as_string(), "healthy");
  EXPECT_EQ(body.at("service").as_string(), "test");
  EXPECT_EQ(body.at("replica").as_string(), "test-1");
}

class PipelineWithoutToken : public Pipeline {
 protected:
  PipelineWithoutToken() : Pipeline(std::nullopt) {}
};

TEST_F(PipelineWithoutToken, AdminRoutesAnswer401WhateverIsSent) {
  EXPECT_EQ(get("/admin/faults").response.status, 401);
  const Sent s = get("/admin/faults", bearer(kToken));
  EXPECT_EQ(s.response.status, 401);
  EXPECT_EQ(s.response.headers.get("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(send(Method::kPost, "/api/menu/items", bearer("")).response.status, 401);
}

}  // namespace
}  // namespace cafe::http
