// The menu API end to end over HTTP, on every backend combination, both
// direct and through the gateway.
#include "support/http_test_client.h"
#include "support/menu_backends.h"
#include "support/service_harness.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <set>
#include <thread>
#include <unistd.h>

namespace cafe::test {
namespace {

struct Param {
  MenuBackends backends;
  bool via_gateway;
};

void PrintTo(const Param& p, std::ostream* os) {
  *os << backend_name(p.backends) << (p.via_gateway ? " via gateway" : " direct");
}

std::string param_name(const testing::TestParamInfo<Param>& info) {
  return backend_name(info.param.backends) + (info.param.via_gateway ? "_via_gateway" : "_direct");
}

std::string unique_database_name() {
  static std::atomic<int> counter{0};
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "menu_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_";
  for (const char c : std::string(info->name())) {
    if (name.size() >= 60) break;
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_');
  }
  return name;
}

const std::pair<std::string, std::string> kAdmin{"Authorization", std::string("Bearer ") + kTestAdminToken};
const std::pair<std::string, std::string> kJson{"Content-Type", "application/json"};

class MenuApi : public testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    config_ = test_config();
    if (!configure_backends(GetParam().backends, config_, unique_database_name())) {
      stopped_ = true;
      return;
    }
    menu_ = start_service("menu", config_, dir_.path().string());
    ASSERT_NE(menu_.port, 0);
    port_ = menu_.port;
    if (GetParam().via_gateway) {
      config_.service<gateway::GatewayConfig>("gateway").targets = {{"menu", {menu_.address}}};
      gateway_ = start_service("gateway", config_, dir_.path().string());
      ASSERT_NE(gateway_.port, 0);
      port_ = gateway_.port;
    }
  }

  bool skipped() const { return stopped_ || IsSkipped() || HasFatalFailure(); }

  TestResponse post_item(const std::string& body, bool admin = true) {
    TestRequest req{"POST", "/api/menu/items", {kJson}, body};
    if (admin) req.headers.push_back(kAdmin);
    return send_request(port_, req);
  }

  TempDir dir_;
  app::AppConfig config_;
  StartedService menu_;
  StartedService gateway_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

TEST_P(MenuApi, ServesAStoreMenuWithItsPricesAndAnETag) {
  if (skipped()) return;
  auto res = get(port_, "/api/menu?store_id=3");
  ASSERT_EQ(res.status, 200) << res.error << res.body;
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_FALSE(res.header("etag").empty());
  auto doc = boost::json::parse(res.body);
  EXPECT_EQ(doc.at("store_name").as_string(), "Airport");
  bool saw_latte = false;
  for (const auto& category : doc.at("categories").as_array()) {
    for (const auto& item : category.at("items").as_array()) {
      if (item.at("item_id").as_string() == "latte") {
        saw_latte = true;
        EXPECT_EQ(item.at("price_cents").as_int64(), 550);  // the airport's own price
        EXPECT_EQ(item.at("sizes").as_array().at(1).at("price_cents").as_int64(), 600);
      }
    }
  }
  EXPECT_TRUE(saw_latte);
}

TEST_P(MenuApi, AnswersNotModifiedForAMatchingETag) {
  if (skipped()) return;
  auto first = get(port_, "/api/menu?store_id=1");
  ASSERT_EQ(first.status, 200);
  auto second = get(port_, "/api/menu?store_id=1", {{"If-None-Match", first.header("etag")}});
  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
  EXPECT_EQ(second.header("etag"), first.header("etag"));
}

TEST_P(MenuApi, AnswersAnUnknownItemWithAProblem) {
  if (skipped()) return;
  auto res = get(port_, "/api/menu/items/unicorn_frappe");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  EXPECT_NE(res.body.find("unicorn_frappe"), std::string::npos);
}

TEST_P(MenuApi, ServesBothTheApiAndTheBareForms) {
  if (skipped()) return;
  EXPECT_EQ(get(port_, "/menu/items/latte").status, 200);
  EXPECT_EQ(get(port_, "/api/menu/items/latte").status, 200);
  auto array = get(port_, "/api/menu/items");
  ASSERT_EQ(array.status, 200);
  auto doc = boost::json::parse(array.body);
  ASSERT_TRUE(doc.is_array());
  EXPECT_GE(doc.as_array().size(), 8u);
  EXPECT_EQ(get(port_, "/stores/2").status, 200);
}

TEST_P(MenuApi, RefusesAdminWritesWithoutTheRightToken) {
  if (skipped()) return;
  const std::string body =
      R"({"item_id":"flat_white","name":"Flat White","category":"espresso","price_cents":425})";
  EXPECT_EQ(post_item(body, false).status, 401);
  TestRequest wrong{"POST", "/api/menu/items", {kJson, {"Authorization", "Bearer not-the-token"}}, body};
  EXPECT_EQ(send_request(port_, wrong).status, 403);
  EXPECT_EQ(get(port_, "/api/menu/items/flat_white").status, 404);
}

TEST_P(MenuApi, CreatesUpdatesAndDeletesAnItem) {
  if (skipped()) return;
  auto before = get(port_, "/api/menu?store_id=1");
  auto created =
      post_item(R"({"item_id":"flat_white","name":"Flat White","category":"espresso","price_cents":425,)"
                R"("modifiers":["oat_milk","extra_shot"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("location"), "/api/menu/items/flat_white");

  auto fetched = get(port_, "/api/menu/items/flat_white?store_id=1");
  ASSERT_EQ(fetched.status, 200);
  EXPECT_NE(fetched.body.find("\"price_cents\":425"), std::string::npos);
  auto menu = get(port_, "/api/menu?store_id=1", {{"If-None-Match", before.header("etag")}});
  EXPECT_EQ(menu.status, 200) << "the old ETag must not match the new catalog";
  EXPECT_NE(menu.body.find("flat_white"), std::string::npos);

  TestRequest update{"PUT",
                     "/api/menu/items/flat_white",
                     {kJson, kAdmin},
                     R"({"name":"Flat White","category":"espresso","price":4.75})"};
  auto updated = send_request(port_, update);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_NE(get(port_, "/api/menu/items/flat_white").body.find("\"price_cents\":475"), std::string::npos);

  TestRequest remove{"DELETE", "/api/menu/items/flat_white", {kAdmin}, ""};
  EXPECT_EQ(send_request(port_, remove).status, 204);
  EXPECT_EQ(get(port_, "/api/menu/items/flat_white").status, 404);
  EXPECT_EQ(send_request(port_, remove).status, 404);
}

TEST_P(MenuApi, RejectsAnInvalidItemListingEveryBadField) {
  if (skipped()) return;
  auto res = post_item(R"({"item_id":"Bad Id!","name":"","category":"tea","price_cents":-5,"colour":"red"})");
  ASSERT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  auto doc = boost::json::parse(res.body);
  std::set<std::string> fields;
  for (const auto& e : doc.at("errors").as_array()) fields.insert(std::string(e.at("field").as_string()));
  EXPECT_TRUE(fields.contains("name"));
  EXPECT_TRUE(fields.contains("price_cents"));
  EXPECT_TRUE(fields.contains("colour"));
}

TEST_P(MenuApi, RejectsADuplicateItem) {
  if (skipped()) return;
  EXPECT_EQ(post_item(R"({"item_id":"latte","name":"Latte","category":"espresso","price_cents":500})").status,
            409);
}

TEST_P(MenuApi, PagesThroughStores) {
  if (skipped()) return;
  auto page = get(port_, "/api/stores?limit=2");
  ASSERT_EQ(page.status, 200);
  auto doc = boost::json::parse(page.body);
  ASSERT_EQ(doc.at("stores").as_array().size(), 2u);
  const std::string cursor(doc.at("next_cursor").as_string());
  auto next = boost::json::parse(get(port_, "/api/stores?limit=2&cursor=" + cursor).body);
  EXPECT_EQ(next.at("stores").as_array().at(0).at("store_id").as_int64(), 3);
  EXPECT_EQ(get(port_, "/api/stores?limit=0").status, 400);
  EXPECT_EQ(get(port_, "/api/stores?cursor=garbage").status, 400);
  EXPECT_EQ(get(port_, "/api/stores/99").status, 404);
  EXPECT_EQ(get(port_, "/api/menu?store_id=99").status, 404);
  EXPECT_EQ(get(port_, "/api/menu?store_id=abc").status, 400);
}

std::vector<Param> all_params() {
  std::vector<Param> out;
  for (const char* store : {"sqlite", "postgres"}) {
    for (const char* cache : {"memory", "redis"}) {
      for (bool gw : {false, true}) out.push_back({{store, cache}, gw});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, MenuApi, testing::ValuesIn(all_params()), param_name);

}  // namespace
}  // namespace cafe::test
