#include "platform/config/env_overrides.h"

#include "unit/platform/config/test_schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace cafe::config {
namespace {

using namespace std::chrono_literals;
using testing::Config;
using testing::read_config;

const EnvOverrideOptions kOptions{.ignore = {"CLOUDCAFE_ADMIN_TOKEN", "CLOUDCAFE_ADMIN_TOKEN_FILE"}};

Result<Config> load_with(std::string_view text, std::vector<std::string> environment) {
  Result<Document> document = parse_yaml(text, "cloudcafe.yaml");
  if (!document) return document.error();
  if (Result<void> applied = apply_env_overrides(*document, environment, kOptions); !applied) {
    return applied.error();
  }
  return read_config(*document);
}

TEST(EnvOverrides, ReplacesFileValue) {
  Result<Config> config = load_with("menu:\n  cache:\n    backend: memory\n",
                                    {"CLOUDCAFE_MENU__CACHE__BACKEND=redis", "PATH=/usr/bin"});
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->menu.cache.backend, "redis");
}

TEST(EnvOverrides, CreatesSectionsAbsentFromFile) {
  Result<Config> config =
      load_with("", {"CLOUDCAFE_MENU__CACHE__TTL_MS=500", "CLOUDCAFE_MENU__STORES=[s1, s2]",
                     "CLOUDCAFE_GATEWAY__ROUTES__MENU__TARGET=menu"});
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->menu.cache.ttl_ms, 500);
  EXPECT_EQ(config->menu.stores, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(config->routes["menu"].target, "menu");
}

TEST(EnvOverrides, LaterVariableWins) {
  Result<Config> config = load_with("", {"CLOUDCAFE_MENU__PAGE_SIZE=10", "CLOUDCAFE_MENU__PAGE_SIZE=11"});
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->menu.page_size, 11);
}

TEST(EnvOverrides, TypeChecksValueAndNamesVariable) {
  Result<Config> config = load_with("menu:\n  page_size: 5\n", {"CLOUDCAFE_MENU__PAGE_SIZE=abc"});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "CLOUDCAFE_MENU__PAGE_SIZE: menu.page_size: expected an integer, got \"abc\"");
  ASSERT_EQ(config.error().fields.size(), 1u);
  EXPECT_EQ(config.error().fields[0].field, "menu.page_size");
  EXPECT_EQ(config.error().fields[0].message,
            "expected an integer, got \"abc\" (from CLOUDCAFE_MENU__PAGE_SIZE)");
}

TEST(EnvOverrides, QuotedValueStaysString) {
  Result<Config> config = load_with("", {"CLOUDCAFE_MENU__PAGE_SIZE=\"7\""});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "CLOUDCAFE_MENU__PAGE_SIZE: menu.page_size: expected an integer, got \"7\"");
}

TEST(EnvOverrides, RejectsOverrideOfUnknownKeyNamingVariable) {
  Result<Config> config = load_with("", {"CLOUDCAFE_MENU__PAGE_SIZ=3"});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "CLOUDCAFE_MENU__PAGE_SIZ: menu.page_siz: unknown key (did you mean \"page_size\"?)");
}

TEST(EnvOverrides, IgnoresListedVariablesAndOtherPrefixes) {
  Result<Config> config =
      load_with("", {"CLOUDCAFE_ADMIN_TOKEN=secret", "CLOUDCAFE_ADMIN_TOKEN_FILE=/run/token", "HOME=/root",
                     "CLOUDCAFEMENU=1"});
  EXPECT_TRUE(config.has_value()) << config.error().detail;
}

TEST(EnvOverrides, RejectsNameThatIsNotAPath) {
  Result<Config> config =
      load_with("", {"CLOUDCAFE_MENU____X=1", "CLOUDCAFE_MENU__=1", "CLOUDCAFE_MENU-X=1"});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "CLOUDCAFE_MENU____X: not a configuration path (segments are joined by \"__\")\n"
            "CLOUDCAFE_MENU__: not a configuration path (segments are joined by \"__\")\n"
            "CLOUDCAFE_MENU-X: not a configuration path (segments are joined by \"__\")");
}

TEST(EnvOverrides, RejectsPathThroughScalar) {
  Result<Config> config = load_with("menu:\n  page_size: 3\n", {"CLOUDCAFE_MENU__PAGE_SIZE__X=1"});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "CLOUDCAFE_MENU__PAGE_SIZE__X: menu.page_size: cannot set a key inside \"3\"");
}

TEST(EnvOverrides, RejectsInvalidYamlValue) {
  Result<Config> config = load_with("", {"CLOUDCAFE_MENU__STORES=[a, b"});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(
      config.error().detail,
      "CLOUDCAFE_MENU__STORES: menu.stores: invalid YAML: end of sequence flow not found (line 1, column 1)");
}

TEST(EnvOverrides, ListsFileErrorsBeforeVariableErrors) {
  Result<Config> config = load_with("menu:\n  page_size: 0\n", {"CLOUDCAFE_MENU__ETAGS=maybe"});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "cloudcafe.yaml: menu.page_size: must be between 1 and 500, got 0 (line 2, column 14)\n"
            "CLOUDCAFE_MENU__ETAGS: menu.etags: expected true or false, got \"maybe\"");
}

TEST(EnvOverrides, ProcessEnvironmentHoldsNameValuePairs) {
  ASSERT_EQ(::setenv("CAFE_CONFIG_TEST_VARIABLE", "a=b", 1), 0);
  const std::vector<std::string> environment = process_environment();
  ::unsetenv("CAFE_CONFIG_TEST_VARIABLE");
  EXPECT_NE(std::find(environment.begin(), environment.end(), "CAFE_CONFIG_TEST_VARIABLE=a=b"),
            environment.end());
}

}  // namespace
}  // namespace cafe::config
