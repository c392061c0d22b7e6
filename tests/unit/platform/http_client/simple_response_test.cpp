#include "platform/http_client/simple_response.h"

#include "platform/http_client/client_connection.h"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cafe::http_client::detail {
namespace {

namespace bhttp = boost::beast::http;
using Verdict = SimpleResponse::Verdict;

constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr std::size_t kMaxBody = 1 << 20;

SimpleResponse read(std::string_view data, http::Response& response, std::size_t max_header = kMaxHeader,
                    std::size_t max_body = kMaxBody) {
  return read_simple_response(data, max_header, max_body, response);
}

// What Beast's own parser makes of `data`: the reference for every
// response the fast path accepts.
struct BeastReading {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;  // Content-Length and hop-by-hop left out
  std::string body;
  bool keep_alive = false;
  std::size_t used = 0;
};

BeastReading beast_reading(std::string_view data) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  BeastReading out;
  out.used = parser.put(boost::asio::buffer(data.data(), data.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) {
    if (!http::iequals(f.name_string(), "content-length") && !is_hop_by_hop(f.name_string())) {
      out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
  }
  out.body = parser.get().body();
  out.keep_alive = parser.keep_alive();
  return out;
}

void expect_read_as_beast_reads(std::string_view data) {
  SCOPED_TRACE(std::string(data));
  http::Response response;
  const SimpleResponse simple = read(data, response);
  ASSERT_EQ(simple.verdict, Verdict::kComplete);
  const BeastReading beast = beast_reading(data);
  EXPECT_EQ(simple.size, beast.used);
  EXPECT_EQ(response.status, beast.status);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& f : response.headers) fields.emplace_back(f.name, f.value);
  EXPECT_EQ(fields, beast.fields);
  EXPECT_EQ(response.body, beast.body);
  EXPECT_EQ(simple.keep_alive, beast.keep_alive);
}

TEST(SimpleResponse, ReadsTheCommonAnswerAsBeastDoes) {
  expect_read_as_beast_reads(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"v1-6\"\r\nCache-Control: no-cache\r\n"
      "X-Request-Id: 01a22812-9240-7687-bebe-ee41209b23d1\r\n"
      "traceparent: 00-ad6e41f48491b8c46bbecdf843389243-e32bc678fb011113-01\r\nContent-Length: "
      "5\r\n\r\nhello");
  expect_read_as_beast_reads("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  expect_read_as_beast_reads("HTTP/1.1 503 \r\nContent-Length:2\r\nRetry-After:  1 \t\r\n\r\nno");
  expect_read_as_beast_reads(
      "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Tab: a\tb\r\nX-Obs: caf\xC3\xA9\r\nContent-Length: 1\r\n\r\nx");
  expect_read_as_beast_reads("HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  expect_read_as_beast_reads("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  expect_read_as_beast_reads("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok");
  expect_read_as_beast_reads(
      "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nProxy-Foo: x\r\nContent-Length: 2\r\n\r\nok");
}

TEST(SimpleResponse, CountsOnlyItsOwnBytes) {
  http::Response response;
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const SimpleResponse simple = read(first + "HTTP/1.1 200 OK\r\n", response);
  ASSERT_EQ(simple.verdict, Verdict::kComplete);
  EXPECT_EQ(simple.size, first.size());
  EXPECT_EQ(response.body, "ok");
}

TEST(SimpleResponse, AsksForMoreUntilHeadAndBodyHaveArrived) {
  const std::string whole =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789";
  for (std::size_t n = 0; n < whole.size(); ++n) {
    http::Response response;
    EXPECT_EQ(read(std::string_view(whole).substr(0, n), response).verdict, Verdict::kNeedMore) << n;
  }
  http::Response response;
  EXPECT_EQ(read(whole, response).verdict, Verdict::kComplete);
}

TEST(SimpleResponse, LeavesEveryOtherFormToBeast) {
  for (const std::string_view data : {
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\n\r\nuntil the end",
           "HTTP/1.1 100 Continue\r\n\r\n",
           "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
           "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
           "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 20x OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX-Bad: a\x01z\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX-Bare: a\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nBad Name: a\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\n: empty name\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
           "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
           "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
           "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok",
           "HTTP/1.1 200 OK\r\nConnection: close, x\r\nContent-Length: 2\r\n\r\nok",
           "garbage\r\n\r\n",
           "HTTP/1.1 2\r\n",
           "HTTP/2",
       }) {
    http::Response response;
    EXPECT_EQ(read(data, response).verdict, Verdict::kOther) << data;
  }
}

TEST(SimpleResponse, WaitsForAStatusLineThatMayStillBeOfTheForm) {
  for (const std::string_view data : {"", "H", "HTTP/1.", "HTTP/1.0", "HTTP/1.1 2", "HTTP/1.1 200"}) {
    http::Response response;
    EXPECT_EQ(read(data, response).verdict, Verdict::kNeedMore) << data;
  }
}

TEST(SimpleResponse, LeavesAnAnswerOverTheLimitsToBeast) {
  const std::string data =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789";
  http::Response response;
  EXPECT_EQ(read(data, response, 20).verdict, Verdict::kOther) << "head over max_header";
  EXPECT_EQ(read(std::string_view(data).substr(0, 10), response, 10).verdict, Verdict::kOther)
      << "no end of head within max_header";
  EXPECT_EQ(read(data, response, kMaxHeader, 9).verdict, Verdict::kOther) << "body over max_body";
}

}  // namespace
}  // namespace cafe::http_client::detail
