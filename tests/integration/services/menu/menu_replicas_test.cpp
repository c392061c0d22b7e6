// Two menu replicas over one database agree on ETags after an admin edit
// on either of them: ETags derive from the catalog version in the database.
#include "support/http_test_client.h"
#include "support/menu_backends.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <unistd.h>

namespace cafe::test {
namespace {

class MenuReplicas : public testing::TestWithParam<std::string> {};

TEST_P(MenuReplicas, AgreeOnETagsAfterAnAdminEdit) {
  TempDir dir;
  auto config = test_config();
  if (!configure_backends({GetParam(), "memory"}, config, "replicas_" + std::to_string(::getpid()))) return;
  auto a = start_service("menu", config, dir.path().string());
  auto b = start_service("menu", config, dir.path().string());
  ASSERT_NE(a.port, 0);
  ASSERT_NE(b.port, 0);

  const auto before_a = get(a.port, "/api/menu?store_id=2").header("etag");
  const auto before_b = get(b.port, "/api/menu?store_id=2").header("etag");
  ASSERT_FALSE(before_a.empty());
  EXPECT_EQ(before_a, before_b);

  TestRequest create{
      "POST",
      "/api/menu/items",
      {{"Content-Type", "application/json"}, {"Authorization", std::string("Bearer ") + kTestAdminToken}},
      R"({"item_id":"chai_latte","name":"Chai Latte","category":"brewed","price_cents":450})"};
  ASSERT_EQ(send_request(a.port, create).status, 201);
  const auto after_a = get(a.port, "/api/menu?store_id=2").header("etag");
  EXPECT_NE(after_a, before_a);

  // B polls the version (every 50 ms in tests); give it a bounded while.
  std::string after_b;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < give_up) {
    after_b = get(b.port, "/api/menu?store_id=2").header("etag");
    if (after_b == after_a) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(after_b, after_a);
  auto item = get(b.port, "/api/menu/items/chai_latte");
  EXPECT_EQ(item.status, 200);
}

INSTANTIATE_TEST_SUITE_P(Stores, MenuReplicas, testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cafe::test
