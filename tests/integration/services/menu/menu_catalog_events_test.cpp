// With a bus, a menu edit on one replica reaches the others through
// CatalogChanged (outbox → relay → stream `catalog` → every replica's
// follower), not through polling: the poll here is a minute apart.
#include "services/menu/menu_config.h"
#include "support/http_test_client.h"
#include "support/nats_server.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Two replicas over one database, their bus configured by `configure`;
// an edit on a must show on b, whose poll is a minute apart.
void edit_reaches_the_other_replica(app::AppConfig config, const TempDir& dir) {
  auto& menu = config.service<menu::MenuConfig>("menu");
  menu.bus.relay_poll_interval = 50ms;  // a commit on the standby replica waits for the holder's poll
  menu.refresh_interval_with_bus = 60s;
  auto a = start_service("menu", config, dir.path().string());
  auto b = start_service("menu", config, dir.path().string());
  ASSERT_NE(a.port, 0);
  ASSERT_NE(b.port, 0);
  // Both followers are parked on the stream once it exists.
  std::this_thread::sleep_for(300ms);

  const auto before = get(b.port, "/api/menu?store_id=2").header("etag");
  ASSERT_FALSE(before.empty());
  TestRequest create{
      "POST",
      "/api/menu/items",
      {{"Content-Type", "application/json"}, {"Authorization", std::string("Bearer ") + kTestAdminToken}},
      R"({"item_id":"chai_latte","name":"Chai Latte","category":"brewed","price_cents":450})"};
  ASSERT_EQ(send_request(a.port, create).status, 201);
  const auto committed = Clock::now();
  const auto expected = get(a.port, "/api/menu?store_id=2").header("etag");
  ASSERT_NE(expected, before);

  std::string seen;
  while (Clock::now() < committed + 10s) {
    seen = get(b.port, "/api/menu?store_id=2").header("etag");
    if (seen == expected) break;
    std::this_thread::sleep_for(2ms);
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - committed);
  ASSERT_EQ(seen, expected) << "replica b never reloaded (its poll is 60 s apart)";
  std::printf("%s bus: replica b served the edit %lld ms after replica a answered 201\n",
              menu.bus.backend.c_str(), static_cast<long long>(took.count()));
  EXPECT_EQ(get(b.port, "/api/menu/items/chai_latte").status, 200);
  a.stop();
  b.stop();
}

TEST(MenuCatalogEvents, AnEditOnOneReplicaReloadsTheOthersThroughTheEmbeddedBus) {
  TempDir dir;
  auto config = test_config();
  auto bus = start_service("bus", config, (dir.path() / "bus").string());
  ASSERT_NE(bus.port, 0);
  config.peers = {{"bus", {bus.address}}};
  config.service<menu::MenuConfig>("menu").bus.backend = "embedded";
  edit_reaches_the_other_replica(config, dir);
  // The bus saw the event: the catalog stream holds it.
  const auto streams =
      get(bus.port, "/admin/bus/streams", {{"Authorization", std::string("Bearer ") + kTestAdminToken}});
  EXPECT_NE(streams.body.find("\"name\":\"catalog\""), std::string::npos) << streams.body;
  bus.stop();
}

TEST(MenuCatalogEvents, AnEditOnOneReplicaReloadsTheOthersThroughNatsJetStream) {
  auto nats = NatsServer::start_own_or_skip();
  if (!nats) return;
  TempDir dir;
  auto config = test_config();
  auto& menu = config.service<menu::MenuConfig>("menu");
  menu.bus.backend = "nats";
  menu.bus.nats_url = nats->url();
  edit_reaches_the_other_replica(config, dir);
  // With no bus process, a service with a bus serves the bus's admin routes.
  auto c = start_service("menu", config, dir.path().string());
  ASSERT_NE(c.port, 0);
  const auto streams =
      get(c.port, "/admin/bus/streams", {{"Authorization", std::string("Bearer ") + kTestAdminToken}});
  EXPECT_EQ(streams.status, 200) << streams.body;
  EXPECT_NE(streams.body.find("\"name\":\"catalog\""), std::string::npos) << streams.body;
  EXPECT_EQ(get(c.port, "/admin/bus/streams").status, 401);
  c.stop();
}

}  // namespace
}  // namespace cafe::test
