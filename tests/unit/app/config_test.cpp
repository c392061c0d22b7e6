#include "app/config.h"

#include "services/gateway/gateway_config.h"
#include "services/menu/menu_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cafe::app {
namespace {

using namespace std::chrono_literals;

Result<AppConfig> parse(std::string_view yaml, std::vector<std::string> env = {}) {
  return parse_config(yaml, "cloudcafe.yaml", env);
}

// The error's detail, failing the test if parsing succeeded.
std::string error_of(std::string_view yaml, std::vector<std::string> env = {}) {
  auto r = parse(yaml, std::move(env));
  if (r) {
    ADD_FAILURE() << "accepted:\n" << yaml;
    return {};
  }
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().detail;
}

menu::MenuConfig& menu_of(AppConfig& c) {
  return c.service<menu::MenuConfig>("menu");
}

gateway::GatewayConfig& gateway_of(AppConfig& c) {
  return c.service<gateway::GatewayConfig>("gateway");
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(AppConfig, EmptyTextGivesTheDefaults) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->http.threads, 1);
  EXPECT_EQ(c->log.level, "info");
  EXPECT_EQ(menu_of(*c).store.backend, "sqlite");
  EXPECT_EQ(menu_of(*c).cache.backend, "memory");
  EXPECT_EQ(menu_of(*c).refresh_interval, 500ms);
  EXPECT_EQ(gateway_of(*c).routes.size(), gateway::default_gateway_routes().size());
  EXPECT_TRUE(gateway_of(*c).targets.empty());
}

TEST(AppConfig, ReadsEverySection) {
  auto c = parse(R"(
http:
  threads: 4
  read_timeout: 2s
log:
  level: debug
  access_log: false
admin:
  token_file: /etc/cloudcafe/token
menu:
  refresh_interval: 250ms
  store:
    backend: postgres
    postgres:
      conninfo: "host=127.0.0.1 port=55432"
      pool_size: 8
  cache:
    backend: redis
    ttl: 1m
    redis:
      port: 16379
gateway:
  routes:
    - path: /api/menu/**
      group: menu
  targets:
    menu:
      addresses: ["127.0.0.1:9001", "127.0.0.1:9002"]
  health_check:
    rise: 3
  rate_limit:
    per_second: 50.5
)");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->http.threads, 4);
  EXPECT_EQ(c->http.read_timeout, 2000ms);
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_FALSE(c->log.access_log);
  EXPECT_EQ(c->admin.token_file, "/etc/cloudcafe/token");
  EXPECT_EQ(menu_of(*c).refresh_interval, 250ms);
  EXPECT_EQ(menu_of(*c).store.backend, "postgres");
  EXPECT_EQ(menu_of(*c).store.postgres_conninfo, "host=127.0.0.1 port=55432");
  EXPECT_EQ(menu_of(*c).store.postgres_pool_size, 8);
  EXPECT_EQ(menu_of(*c).cache.backend, "redis");
  EXPECT_EQ(menu_of(*c).cache_ttl, 60'000ms);
  EXPECT_EQ(menu_of(*c).cache.redis_port, 16379);
  ASSERT_EQ(gateway_of(*c).routes.size(), 1u);
  EXPECT_EQ(gateway_of(*c).routes[0].path, "/api/menu/**");
  EXPECT_EQ(gateway_of(*c).routes[0].group, "menu");
  ASSERT_EQ(gateway_of(*c).targets.size(), 1u);
  EXPECT_EQ(gateway_of(*c).targets[0].first, "menu");
  EXPECT_EQ(gateway_of(*c).targets[0].second, (std::vector<std::string>{"127.0.0.1:9001", "127.0.0.1:9002"}));
  EXPECT_EQ(gateway_of(*c).health_rise, 3);
  EXPECT_DOUBLE_EQ(gateway_of(*c).rate_limit_per_second, 50.5);
}

TEST(AppConfig, ReadsTheKitsSections) {
  auto c = parse(R"(
shutdown:
  timeout: 20s
stress:
  max_threads: 1
menu:
  limits:
    max_in_flight_per_route: 64
    dependencies: {store: {max_in_flight: 8}}
)");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->shutdown.timeout, 20'000ms);
  EXPECT_EQ(c->stress.max_threads, 1);
  const auto* menu = c->services.find("menu");
  ASSERT_NE(menu, nullptr);
  EXPECT_EQ(menu->limits.route_max_in_flight, 64u);
  EXPECT_EQ(menu->limits.dependencies.at("store"), 8u);
  EXPECT_EQ(c->services.find("gateway")->limits.route_max_in_flight, 1000u);
}

TEST(AppConfig, TheShutdownDeadlineMustOutlastTheDrain) {
  const std::string e = error_of("http:\n  drain_timeout: 10s\nshutdown:\n  timeout: 10s\n");
  EXPECT_TRUE(has(e, "shutdown.timeout")) << e;
  EXPECT_TRUE(has(e, "http.drain_timeout")) << e;
}

TEST(AppConfig, EverySectionOfARegisteredServiceIsKnown) {
  EXPECT_TRUE(parse("menu: {}\ngateway: {}\n"));
  const std::string e = error_of("order: {}\n");
  EXPECT_TRUE(has(e, "order")) << e;
  EXPECT_TRUE(has(e, "unknown key")) << e;
}

TEST(AppConfig, UnknownKeyNamesItsPathAndSuggestsTheNearest) {
  const std::string e = error_of("http:\n  thread: 2\n");
  EXPECT_TRUE(has(e, "http.thread")) << e;
  EXPECT_TRUE(has(e, "unknown key")) << e;
  EXPECT_TRUE(has(e, "threads")) << e;
  EXPECT_TRUE(has(e, "cloudcafe.yaml")) << e;
}

TEST(AppConfig, UnknownTopLevelKeyIsAnError) {
  const std::string e = error_of("menus:\n  refresh_interval: 1s\n");
  EXPECT_TRUE(has(e, "menus")) << e;
  EXPECT_TRUE(has(e, "unknown key")) << e;
}

TEST(AppConfig, WrongTypeNamesTheKeyPath) {
  const std::string e = error_of("menu:\n  store:\n    postgres:\n      pool_size: many\n");
  EXPECT_TRUE(has(e, "menu.store.postgres.pool_size")) << e;
  EXPECT_TRUE(has(e, "expected")) << e;
}

TEST(AppConfig, SectionThatIsNotAMappingIsAnError) {
  const std::string e = error_of("http: 4\n");
  EXPECT_TRUE(has(e, "http")) << e;
  EXPECT_TRUE(has(e, "expected a mapping")) << e;
}

TEST(AppConfig, OutOfRangeValueNamesTheKeyPath) {
  const std::string e = error_of("http:\n  threads: 0\n");
  EXPECT_TRUE(has(e, "http.threads")) << e;
}

TEST(AppConfig, BadEnumListsTheChoices) {
  const std::string e = error_of("menu:\n  cache:\n    backend: memcached\n");
  EXPECT_TRUE(has(e, "menu.cache.backend")) << e;
  EXPECT_TRUE(has(e, "memory")) << e;
  EXPECT_TRUE(has(e, "redis")) << e;
  EXPECT_TRUE(has(e, "memcached")) << e;
}

TEST(AppConfig, GatewayRouteNeedsPathAndGroup) {
  const std::string e = error_of("gateway:\n  routes:\n    - path: /api/x/**\n");
  EXPECT_TRUE(has(e, "gateway.routes[0].group")) << e;
}

TEST(AppConfig, ReportsEveryProblemAtOnce) {
  auto r = parse("http:\n  threads: 0\n  thread: 1\nlog:\n  level: loud\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.size(), 3u) << r.error().detail;
}

TEST(AppConfig, EnvironmentOverrideApplies) {
  auto c = parse("", {"CLOUDCAFE_MENU__CACHE__BACKEND=redis", "CLOUDCAFE_HTTP__THREADS=3", "PATH=/usr/bin"});
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(menu_of(*c).cache.backend, "redis");
  EXPECT_EQ(c->http.threads, 3);
}

TEST(AppConfig, EnvironmentOverrideBeatsTheFile) {
  auto c = parse("menu:\n  cache:\n    backend: memory\n", {"CLOUDCAFE_MENU__CACHE__BACKEND=redis"});
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(menu_of(*c).cache.backend, "redis");
}

TEST(AppConfig, BadEnvironmentOverrideIsRejectedNamingTheVariable) {
  const std::string e = error_of("", {"CLOUDCAFE_MENU__CACHE__BACKEND=memcached"});
  EXPECT_TRUE(has(e, "CLOUDCAFE_MENU__CACHE__BACKEND")) << e;
  EXPECT_TRUE(has(e, "menu.cache.backend")) << e;
}

TEST(AppConfig, EnvironmentOverrideOfAnUnknownKeyIsRejected) {
  const std::string e = error_of("", {"CLOUDCAFE_MENU__CACHE__BACKEDN=redis"});
  EXPECT_TRUE(has(e, "CLOUDCAFE_MENU__CACHE__BACKEDN")) << e;
  EXPECT_TRUE(has(e, "unknown key")) << e;
}

TEST(AppConfig, EnvironmentOverrideOfTheWrongTypeIsRejected) {
  const std::string e = error_of("", {"CLOUDCAFE_HTTP__THREADS=lots"});
  EXPECT_TRUE(has(e, "CLOUDCAFE_HTTP__THREADS")) << e;
  EXPECT_TRUE(has(e, "http.threads")) << e;
}

TEST(AppConfig, AdminTokenVariablesAreNotConfigPaths) {
  auto c =
      parse("", {"CLOUDCAFE_ADMIN_TOKEN=abcdefghijklmnopqrstuvwxyz", "CLOUDCAFE_ADMIN_TOKEN_FILE=/tmp/x"});
  EXPECT_TRUE(c) << c.error().detail;
}

TEST(AppConfig, DefaultRoutesSendTheQueueToOrdersAndTheRestOfStoresToMenu) {
  const auto routes = gateway::default_gateway_routes();
  auto group_of = [&](std::string_view path) {
    for (const auto& r : routes) {
      if (r.path == path) return r.group;
    }
    return std::string("<none>");
  };
  EXPECT_EQ(group_of("/api/stores/{store_id}/queue"), "order");
  EXPECT_EQ(group_of("/api/stores/**"), "menu");
  EXPECT_EQ(group_of("/api/menu/**"), "menu");
}

class AdminToken : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("CLOUDCAFE_ADMIN_TOKEN");
    ::unsetenv("CLOUDCAFE_ADMIN_TOKEN_FILE");
    dir_ = std::filesystem::temp_directory_path() /
           ("cafe-admin-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    ::unsetenv("CLOUDCAFE_ADMIN_TOKEN");
    std::filesystem::remove_all(dir_);
  }

  std::string write_token(std::string_view text, mode_t mode) {
    const auto path = (dir_ / "token").string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(AdminToken, NoneConfiguredMeansNoToken) {
  auto t = load_admin_token({});
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_FALSE(t->has_value());
}

TEST_F(AdminToken, EnvironmentVariableWins) {
  ::setenv("CLOUDCAFE_ADMIN_TOKEN", "from-the-environment-123", 1);
  auto t = load_admin_token({.token_file = write_token("from-the-file-0123456789\n", 0600)});
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(**t, "from-the-environment-123");
}

TEST_F(AdminToken, ReadsAPrivateFileAndTrimsTheLineEnd) {
  auto t = load_admin_token({.token_file = write_token("from-the-file-0123456789 \r\nignored\n", 0600)});
  ASSERT_TRUE(t) << t.error().detail;
  EXPECT_EQ(**t, "from-the-file-0123456789");
}

TEST_F(AdminToken, RefusesAFileOthersCanRead) {
  auto t = load_admin_token({.token_file = write_token("from-the-file-0123456789\n", 0644)});
  ASSERT_FALSE(t);
  EXPECT_TRUE(has(t.error().detail, "chmod 600")) << t.error().detail;
}

TEST_F(AdminToken, RefusesAShortToken) {
  auto t = load_admin_token({.token_file = write_token("short\n", 0600)});
  ASSERT_FALSE(t);
  EXPECT_TRUE(has(t.error().detail, "shorter than 16")) << t.error().detail;
}

TEST_F(AdminToken, MissingFileIsNotFound) {
  auto t = load_admin_token({.token_file = (dir_ / "absent").string()});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cafe::app
