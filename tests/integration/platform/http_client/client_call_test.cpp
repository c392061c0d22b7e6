// The client's single-call behaviour against a real server: pooling,
// deadlines, limits, header handling.
#include "support/scripted_server.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace cafe::http_client {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using testing::Script;
using testing::Seen;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

http::Request get(std::string target = "/ping") {
  http::Request r;
  r.method = http::Method::kGet;
  r.target = std::move(target);
  return r;
}

http::Request post(std::string body = R"({"a":1})") {
  http::Request r;
  r.method = http::Method::kPost;
  r.target = "/orders";
  r.body = std::move(body);
  return r;
}

net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(net::use_awaitable);
}

class HttpClient : public ::testing::Test {
 protected:
  net::io_context ioc;
  TestServer server{ioc};
};

TEST_F(HttpClient, ReusesAKeepAliveConnection) {
  std::vector<Outcome> outcomes;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    for (int i = 0; i < 5; ++i) outcomes.push_back(co_await client.send(server.target(), get(), {}));
  });
  ASSERT_EQ(outcomes.size(), 5u);
  for (const auto& o : outcomes) {
    EXPECT_TRUE(o.ok()) << o.detail;
    EXPECT_EQ(o.response.status, 200);
    EXPECT_EQ(o.response.body, "ok");
  }
  EXPECT_EQ(server.requests(), 5);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, ResolvesAHostName) {
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    outcome = co_await client.send(Target{"localhost", server.port()}, get(), {});
  });
  EXPECT_TRUE(outcome.ok()) << outcome.detail;
}

TEST_F(HttpClient, FailsFastWithConnectWhenRefused) {
  const std::uint16_t closed_port = testing::unused_port(ioc);
  Outcome outcome;
  Clock::duration took{};
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {.backoff = {.base = 5ms, .cap = 5ms}, .seed = 1}, nullptr);
    const auto start = Clock::now();
    outcome = co_await client.send(Target{"127.0.0.1", closed_port}, get(), {.deadline = 2s});
    took = Clock::now() - start;
  });
  EXPECT_EQ(outcome.failure, Failure::kConnect);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_LT(took, 200ms);
}

TEST_F(HttpClient, TimesOutAtTheDeadline) {
  server.on_request([](const Seen&, int) { return Script{.delay = 3s}; });
  Outcome outcome;
  Clock::duration took{};
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    const auto start = Clock::now();
    outcome = co_await client.send(server.target(), get(), {.deadline = 200ms});
    took = Clock::now() - start;
  });
  EXPECT_EQ(outcome.failure, Failure::kTimeout);
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 400ms);
}

TEST_F(HttpClient, RefusesAtOnceWhenThePoolIsExhausted) {
  server.on_request([](const Seen&, int n) { return n == 1 ? Script{.delay = 300ms} : Script{}; });
  Outcome slow;
  Outcome refused;
  Clock::duration refused_took{};
  testing::run(ioc, [&]() -> net::awaitable<void> {
    using namespace net::experimental::awaitable_operators;
    Client client(ioc.get_executor(), {.max_connections_per_target = 1}, nullptr);
    auto first = [&]() -> net::awaitable<void> { slow = co_await client.send(server.target(), get(), {}); };
    auto second = [&]() -> net::awaitable<void> {
      co_await sleep_for(50ms);
      const auto start = Clock::now();
      refused = co_await client.send(server.target(), get(), {.allow_retry = false});
      refused_took = Clock::now() - start;
    };
    co_await (first() && second());
  });
  EXPECT_TRUE(slow.ok()) << slow.detail;
  EXPECT_EQ(refused.failure, Failure::kPoolExhausted);
  EXPECT_FALSE(refused.request_sent);
  EXPECT_LT(refused_took, 20ms);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, RejectsAResponseBodyOverTheLimit) {
  server.on_request([](const Seen&, int) { return Script{.body = std::string(4096, 'x')}; });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {.max_response_body = 1024}, nullptr);
    outcome = co_await client.send(server.target(), get(), {});
  });
  EXPECT_EQ(outcome.failure, Failure::kTooLarge);
  EXPECT_EQ(outcome.attempts, 1);
}

TEST_F(HttpClient, ReplacesAPooledConnectionTheServerClosedBeforeWritingToIt) {
  server.on_request([](const Seen&, int n) { return Script{.close_after_response = n == 1}; });
  Outcome first;
  Outcome second;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    first = co_await client.send(server.target(), get(), {});
    // Until the server has closed the pooled connection: on loopback its FIN
    // is then already queued at the client, which sees it before reuse.
    for (int i = 0; i < 200 && server.closed_connections() == 0; ++i) co_await sleep_for(5ms);
    second = co_await client.send(server.target(), post(), {.allow_retry = false});
  });
  EXPECT_TRUE(first.ok()) << first.detail;
  EXPECT_TRUE(second.ok()) << second.detail;
  EXPECT_EQ(second.attempts, 1);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(server.connections(), 2);
}

// The server reads the POST on a pooled connection, then closes it without
// answering (killed after committing, or a drain deadline): it may have
// acted on it, so the POST is not sent again.
TEST_F(HttpClient, NeverResendsAPostThatAPooledConnectionCarriedBeforeDying) {
  server.on_request([](const Seen& seen, int) { return Script{.close_unanswered = seen.method == "POST"}; });
  Outcome warm;
  Outcome posted;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    warm = co_await client.send(server.target(), get(), {});
    posted = co_await client.send(server.target(), post(), {});
  });
  ASSERT_TRUE(warm.ok()) << warm.detail;
  EXPECT_EQ(posted.failure, Failure::kReset);
  EXPECT_TRUE(posted.request_sent);
  EXPECT_EQ(posted.attempts, 1);
  EXPECT_EQ(server.requests("POST"), 1);
}

TEST_F(HttpClient, ResendsAnIdempotentRequestOnceWhenAPooledConnectionDiesUnanswered) {
  server.on_request([](const Seen&, int n) { return Script{.close_unanswered = n == 2}; });
  Outcome warm;
  Outcome again;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    warm = co_await client.send(server.target(), get(), {});
    again = co_await client.send(server.target(), get(), {.allow_retry = false});
  });
  ASSERT_TRUE(warm.ok()) << warm.detail;
  EXPECT_TRUE(again.ok()) << again.detail;
  EXPECT_EQ(again.attempts, 1);
  EXPECT_EQ(server.requests("GET"), 3);
}

// A POST its caller declares replayable (the callee deduplicates it) may go
// again on a fresh connection; when that connect fails (the server died),
// the outcome still says "sent", so no caller replays it elsewhere as if it
// never left.
TEST_F(HttpClient, KeepsARequestSentWhenTheFreshConnectAfterAStaleOneFails) {
  server.on_request([](const Seen& seen, int) { return Script{.die = seen.method == "POST"}; });
  Outcome warm;
  Outcome posted;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    warm = co_await client.send(server.target(), get(), {});
    posted = co_await client.send(server.target(), post(), {.replayable = true});
  });
  ASSERT_TRUE(warm.ok()) << warm.detail;
  EXPECT_EQ(posted.failure, Failure::kConnect);
  EXPECT_TRUE(posted.request_sent);
  EXPECT_EQ(posted.attempts, 1);
  EXPECT_EQ(server.requests("POST"), 1);
}

// A header is not the caller's word: a POST that merely carries an
// Idempotency-Key is not sent twice on the client's own judgement.
TEST_F(HttpClient, DoesNotTakeAnIdempotencyKeyHeaderAsLicenceToResend) {
  server.on_request([](const Seen& seen, int) { return Script{.close_unanswered = seen.method == "POST"}; });
  Outcome posted;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    co_await client.send(server.target(), get(), {});
    http::Request keyed = post();
    keyed.headers.add("Idempotency-Key", "order-42");
    posted = co_await client.send(server.target(), keyed, {});
  });
  EXPECT_EQ(posted.failure, Failure::kReset);
  EXPECT_EQ(server.requests("POST"), 1);
}

TEST_F(HttpClient, SkipsInterimResponsesBeforeTheFinalOne) {
  server.on_request([](const Seen&, int) {
    return Script{
        .body = "final",
        .interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"};
  });
  Outcome first;
  Outcome second;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    first = co_await client.send(server.target(), post("x"), {});
    second = co_await client.send(server.target(), get(), {});
  });
  ASSERT_TRUE(first.ok()) << first.detail;
  EXPECT_EQ(first.response.status, 200);
  EXPECT_EQ(first.response.body, "final");
  ASSERT_TRUE(second.ok()) << second.detail;
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, RefusesAnUpstreamThatSwitchesProtocols) {
  server.on_request([](const Seen&, int) {
    return Script{.interim = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"};
  });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    outcome = co_await client.send(server.target(), post("x"), {});
  });
  EXPECT_EQ(outcome.failure, Failure::kProtocol);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(HttpClient, TreatsAResponseCutShortAsAResetAndDoesNotRetryPost) {
  server.on_request([](const Seen&, int) { return Script{.close_after_headers = true}; });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    outcome = co_await client.send(server.target(), post(), {});
  });
  EXPECT_EQ(outcome.failure, Failure::kReset);
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(HttpClient, DropsHopByHopHeadersBothWays) {
  server.on_request(
      [](const Seen&, int) { return Script{.headers = {{"Keep-Alive", "timeout=5"}, {"X-Reply", "yes"}}}; });
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    http::Request r = post("hello");
    r.headers.add("Connection", "close");
    r.headers.add("Upgrade", "websocket");
    r.headers.add("Proxy-Authorization", "secret");
    r.headers.add("Host", "spoofed");
    r.headers.add("X-Request-Id", "abc");
    outcome = co_await client.send(server.target(), std::move(r), {});
  });
  ASSERT_TRUE(outcome.ok()) << outcome.detail;
  const Seen& seen = server.last();
  EXPECT_EQ(seen.header("Host"), server.target().to_string());
  EXPECT_EQ(seen.header("X-Request-Id"), "abc");
  EXPECT_EQ(seen.header("Content-Length"), "5");
  EXPECT_EQ(seen.body, "hello");
  EXPECT_EQ(seen.header("Connection"), "");
  EXPECT_EQ(seen.header("Upgrade"), "");
  EXPECT_EQ(seen.header("Proxy-Authorization"), "");
  EXPECT_EQ(outcome.response.headers.get("X-Reply"), "yes");
  EXPECT_FALSE(outcome.response.headers.contains("Keep-Alive"));
  EXPECT_FALSE(outcome.response.headers.contains("Content-Length"));
  // The client kept the connection although the request asked to close it.
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClient, RefusesAHeaderThatWouldSplitTheRequest) {
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    http::Request r = get();
    r.headers.add("X-Evil", "a\r\nX-Injected: 1");
    outcome = co_await client.send(server.target(), std::move(r), {});
  });
  EXPECT_EQ(outcome.failure, Failure::kProtocol);
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttpClient, FailsNewCallsAfterClose) {
  Outcome outcome;
  testing::run(ioc, [&]() -> net::awaitable<void> {
    Client client(ioc.get_executor(), {}, nullptr);
    client.close();
    outcome = co_await client.send(server.target(), get(), {});
  });
  EXPECT_EQ(outcome.failure, Failure::kConnect);
  EXPECT_EQ(server.connections(), 0);
}

}  // namespace
}  // namespace cafe::http_client
