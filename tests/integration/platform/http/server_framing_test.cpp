// HTTP/1.x as real clients speak it, over raw sockets: HTTP/1.0
// keep-alive, Expect: 100-continue, and the request framings that a proxy
// in front could read differently (answered with 400 and a close).
#include "support/raw_socket.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace cafe::test {
namespace {

class ServerFraming : public testing::Test {
 protected:
  void SetUp() override {
    menu_ = start_service("menu", config_, dir_.path().string());
    ASSERT_NE(menu_.port, 0);
  }

  // Sends `bytes` on a fresh connection; expects a 400 problem and a close.
  void expect_refused_and_closed(const std::string& bytes) {
    RawSocket socket(menu_.port);
    ASSERT_TRUE(socket.connected());
    ASSERT_TRUE(socket.send(bytes));
    const RawResponse answer = socket.read_response();
    EXPECT_EQ(answer.status, 400) << bytes << "\n" << answer.error;
    EXPECT_EQ(answer.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(answer.header("Connection"), "close");
    EXPECT_TRUE(socket.closed_by_peer()) << bytes;
  }

  TempDir dir_;
  app::AppConfig config_ = test_config();
  StartedService menu_;
};

TEST_F(ServerFraming, KeepsAnHttp10ConnectionThatAsksForKeepAlive) {
  RawSocket socket(menu_.port);
  ASSERT_TRUE(socket.send("GET /health/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const RawResponse first = socket.read_response();
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.header("Connection"), "keep-alive");
  ASSERT_TRUE(socket.send("GET /api/menu/items/latte HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const RawResponse second = socket.read_response();
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_EQ(second.header("Connection"), "keep-alive");
}

TEST_F(ServerFraming, ClosesAnHttp10ConnectionThatDoesNotAskForKeepAlive) {
  RawSocket socket(menu_.port);
  ASSERT_TRUE(socket.send("GET /health/live HTTP/1.0\r\n\r\n"));
  const RawResponse answer = socket.read_response();
  EXPECT_EQ(answer.status, 200) << answer.error;
  EXPECT_EQ(answer.header("Connection"), "close");
  EXPECT_TRUE(socket.closed_by_peer());
}

TEST_F(ServerFraming, RefusesATransferCodingOtherThanChunked) {
  expect_refused_and_closed(
      "POST /api/menu/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
  expect_refused_and_closed(
      "POST /api/menu/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  expect_refused_and_closed(
      "POST /api/menu/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
}

TEST_F(ServerFraming, RefusesTransferEncodingWithContentLength) {
  expect_refused_and_closed(
      "POST /api/menu/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
      "0\r\n\r\n");
  expect_refused_and_closed(
      "POST /api/menu/items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n");
}

TEST_F(ServerFraming, RefusesTransferEncodingInHttp10) {
  expect_refused_and_closed("POST /api/menu/items HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
}

TEST_F(ServerFraming, AcceptsAChunkedBodyAndKeepsTheConnection) {
  RawSocket socket(menu_.port);
  ASSERT_TRUE(
      socket.send("POST /admin/faults HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  "Content-Type: application/json\r\nAuthorization: Bearer " +
                  std::string(kTestAdminToken) + "\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"));
  const RawResponse answer = socket.read_response();
  EXPECT_EQ(answer.status, 400) << "the body was read whole, then refused by validation: " << answer.head;
  EXPECT_EQ(answer.header("Connection"), "");
  ASSERT_TRUE(socket.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(socket.read_response().status, 200);
}

TEST_F(ServerFraming, AnswersExpectContinueBeforeTheBody) {
  RawSocket socket(menu_.port);
  ASSERT_TRUE(
      socket.send("POST /admin/faults HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Authorization: Bearer " +
                  std::string(kTestAdminToken) + "\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  const RawResponse go_on = socket.read_response();
  EXPECT_EQ(go_on.status, 100) << go_on.error;
  ASSERT_TRUE(socket.send("{}"));
  const RawResponse answer = socket.read_response();
  EXPECT_EQ(answer.status, 400) << "the empty fault is refused by validation: " << answer.head;
}

// ApacheBench speaks HTTP/1.0; with -k it keeps connections only when the
// answer says keep-alive, and otherwise waits out a timeout per request.
TEST_F(ServerFraming, ServesApacheBenchKeepAlive) {
  const std::string command = "ab -q -k -n 200 -c 4 -s 5 http://127.0.0.1:" + std::to_string(menu_.port) +
                              "/health/live > " + (dir_.path() / "ab.txt").string() + " 2>&1";
  if (std::system("command -v ab >/dev/null") != 0) {
    if (std::getenv("CI")) FAIL() << "ab (apache2-utils) is not installed";
    GTEST_SKIP() << "ab (apache2-utils) is not installed";
  }
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream report(dir_.path() / "ab.txt");
  const std::string text((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Complete requests:      200"), std::string::npos) << text;
  EXPECT_NE(text.find("Failed requests:        0"), std::string::npos) << text;
  EXPECT_NE(text.find("Keep-Alive requests:    200"), std::string::npos) << text;
}

}  // namespace
}  // namespace cafe::test
