#include "services/gateway/gateway.h"

#include <gtest/gtest.h>

namespace cafe::gateway {
namespace {

http::Request from(std::string remote, std::optional<std::string> client_id) {
  http::Request r;
  r.remote_address = std::move(remote);
  if (client_id) r.headers.add("X-Client-Id", std::move(*client_id));
  return r;
}

TEST(ClientKey, UsesAValidClientId) {
  EXPECT_EQ(client_key(from("10.0.0.1", "loadgen-17")), "id:loadgen-17");
  EXPECT_EQ(client_key(from("10.0.0.1", std::string(64, 'c'))), "id:" + std::string(64, 'c'));
  EXPECT_EQ(client_key(from("10.0.0.1", "~!@#$%^&*()")), "id:~!@#$%^&*()");
}

TEST(ClientKey, FallsBackToTheRemoteAddressWithoutAClientId) {
  EXPECT_EQ(client_key(from("10.0.0.1", std::nullopt)), "ip:10.0.0.1");
}

TEST(ClientKey, FallsBackWhenTheClientIdIsEmptyTooLongOrUnprintable) {
  for (const std::string& bad :
       {std::string(), std::string(65, 'c'), std::string("has space"), std::string("tab\there"),
        std::string("caf\xC3\xA9"), std::string("nul\0x", 5), std::string("del\x7F")}) {
    EXPECT_EQ(client_key(from("::1", bad)), "ip:::1") << bad;
  }
}

TEST(ClientKey, IdAndAddressKeysNeverCollide) {
  EXPECT_NE(client_key(from("10.0.0.1", "10.0.0.1")), client_key(from("10.0.0.1", std::nullopt)));
}

}  // namespace
}  // namespace cafe::gateway
