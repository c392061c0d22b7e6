// What the gateway passes on and what it keeps to one hop: fields the
// client's Connection header names and Expect stay with the client's
// connection; an upstream's interim 1xx answers are not mistaken for the
// response. Checked over a raw socket against a scripted upstream.
#include "gateway_fixture.h"
#include "support/raw_socket.h"

#include <gtest/gtest.h>

namespace cafe::test {
namespace {

using http_client::testing::Script;
using http_client::testing::Seen;
using http_client::testing::TestServer;

class GatewayHop : public GatewayOverScriptedUpstreams {
 protected:
  void SetUp() override {
    upstream_.on_request([](const Seen&, int) {
      return Script{
          .body = "brewed",
          .interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </m.css>\r\n\r\n"};
    });
    start_gateway({upstream_.target().to_string()});
  }

  TestServer upstream_{upstreams_.ioc()};
};

TEST_F(GatewayHop, KeepsConnectionNamedFieldsAndExpectToTheClientHop) {
  RawSocket socket(gateway_.port);
  ASSERT_TRUE(socket.send(
      "POST /api/menu/items HTTP/1.1\r\nHost: cafe\r\nConnection: keep-alive, X-Hop-Secret\r\n"
      "X-Hop-Secret: 42\r\nX-End-To-End: yes\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_EQ(socket.read_response().status, 100);
  ASSERT_TRUE(socket.send("{}"));
  const RawResponse answer = socket.read_response();
  ASSERT_EQ(answer.status, 200) << answer.head << answer.error;
  EXPECT_EQ(answer.body, "brewed");

  const Seen& seen = upstream_.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body, "{}");
  EXPECT_EQ(seen.header("X-End-To-End"), "yes");
  EXPECT_EQ(seen.header("X-Hop-Secret"), "");
  EXPECT_EQ(seen.header("Expect"), "");
  EXPECT_EQ(seen.header("Connection"), "");
}

TEST_F(GatewayHop, PassesTheFinalAnswerAfterUpstreamInterimOnes) {
  RawSocket socket(gateway_.port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(socket.send("GET /api/menu/items/latte HTTP/1.1\r\nHost: cafe\r\n\r\n"));
    const RawResponse answer = socket.read_response();
    EXPECT_EQ(answer.status, 200) << answer.head << answer.error;
    EXPECT_EQ(answer.body, "brewed");
  }
}

}  // namespace
}  // namespace cafe::test
