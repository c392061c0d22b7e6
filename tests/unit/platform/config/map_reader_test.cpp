#include "platform/config/map_reader.h"

#include "unit/platform/config/test_schema.h"

#include <gtest/gtest.h>

namespace cafe::config {
namespace {

using namespace std::chrono_literals;
using testing::Config;
using testing::Consistency;
using testing::load;

std::string load_error(std::string_view text) {
  Result<Config> config = load(text);
  EXPECT_FALSE(config.has_value()) << "loaded: " << text;
  if (config) return {};
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  return config.error().detail;
}

TEST(MapReader, ReadsEveryFieldType) {
  Result<Config> config = load(
      "menu:\n"
      "  cache:\n"
      "    backend: redis\n"
      "    ttl_ms: 250\n"
      "    refresh: 2s\n"
      "    max_entries: 500\n"
      "  page_size: 20\n"
      "  sample_rate: 0.25\n"
      "  etags: false\n"
      "  consistency: strong\n"
      "  stores: [s1, \"s2\"]\n"
      "gateway:\n"
      "  routes:\n"
      "    menu: {target: menu, timeout: 1500}\n"
      "    order:\n"
      "      target: order\n"
      "  upstreams:\n"
      "    - url: http://a\n"
      "      weight: 3\n"
      "    - url: http://b\n");
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->menu.cache.backend, "redis");
  EXPECT_EQ(config->menu.cache.ttl_ms, 250);
  EXPECT_EQ(config->menu.cache.refresh, 2s);
  EXPECT_EQ(config->menu.cache.max_entries, 500u);
  EXPECT_EQ(config->menu.page_size, 20);
  EXPECT_DOUBLE_EQ(config->menu.sample_rate, 0.25);
  EXPECT_FALSE(config->menu.etags);
  EXPECT_EQ(config->menu.consistency, Consistency::kStrong);
  EXPECT_EQ(config->menu.stores, (std::vector<std::string>{"s1", "s2"}));
  ASSERT_EQ(config->routes.size(), 2u);
  EXPECT_EQ(config->routes["menu"].target, "menu");
  EXPECT_EQ(config->routes["menu"].timeout, 1500ms);
  EXPECT_EQ(config->routes["order"].timeout, 2s);
  ASSERT_EQ(config->upstreams.size(), 2u);
  EXPECT_EQ(config->upstreams[0].weight, 3);
  EXPECT_EQ(config->upstreams[1].url, "http://b");
}

TEST(MapReader, LeavesDefaultsForAbsentAndEmptySections) {
  Result<Config> config = load("menu:\n  cache:\n");
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->menu.cache.backend, "memory");
  EXPECT_EQ(config->menu.page_size, 50);
  EXPECT_TRUE(config->routes.empty());
}

TEST(MapReader, RejectsStringForInteger) {
  EXPECT_EQ(load_error("menu:\n  page_size: 20\n  cache:\n    ttl_ms: abc\n"),
            "cloudcafe.yaml: menu.cache.ttl_ms: expected an integer, got \"abc\" (line 4, column 13)");
}

TEST(MapReader, RejectsQuotedNumber) {
  EXPECT_EQ(load_error("menu:\n  page_size: \"20\"\n"),
            "cloudcafe.yaml: menu.page_size: expected an integer, got \"20\" (line 2, column 14)");
}

TEST(MapReader, RejectsMappingForScalar) {
  EXPECT_EQ(load_error("menu:\n  page_size: {a: 1}\n"),
            "cloudcafe.yaml: menu.page_size: expected an integer, got a mapping (line 2, column 14)");
}

TEST(MapReader, RejectsListForMapping) {
  EXPECT_EQ(load_error("menu:\n  cache: [1, 2]\n"),
            "cloudcafe.yaml: menu.cache: expected a mapping, got a list (line 2, column 10)");
}

TEST(MapReader, RejectsScalarAtTopLevel) {
  EXPECT_EQ(load_error("- a\n- b\n"),
            "cloudcafe.yaml: expected a mapping at the top level, got a list (line 1, column 1)");
}

TEST(MapReader, RejectsOutOfRangeInteger) {
  EXPECT_EQ(load_error("menu:\n  page_size: 0\n"),
            "cloudcafe.yaml: menu.page_size: must be between 1 and 500, got 0 (line 2, column 14)");
  EXPECT_EQ(load_error("menu:\n  page_size: 99999999999999999999\n"),
            "cloudcafe.yaml: menu.page_size: expected an integer, got \"99999999999999999999\" (line 2, "
            "column 14)");
}

TEST(MapReader, RejectsOutOfRangeNumber) {
  EXPECT_EQ(load_error("menu:\n  sample_rate: 1.5\n"),
            "cloudcafe.yaml: menu.sample_rate: must be between 0 and 1, got 1.5 (line 2, column 16)");
  EXPECT_EQ(load_error("menu:\n  sample_rate: .nan\n"),
            "cloudcafe.yaml: menu.sample_rate: expected a number, got \".nan\" (line 2, column 16)");
}

TEST(MapReader, RejectsYesAsBoolean) {
  EXPECT_EQ(load_error("menu:\n  etags: yes\n"),
            "cloudcafe.yaml: menu.etags: expected true or false, got \"yes\" (line 2, column 10)");
}

TEST(MapReader, ReadsDurationsInEveryUnit) {
  for (auto [text, expected] : std::vector<std::pair<std::string, std::chrono::milliseconds>>{
           {"250ms", 250ms}, {"2s", 2s}, {"1m", 1min}, {"1500", 1500ms}}) {
    Result<Config> config =
        load("gateway:\n  routes:\n    menu:\n      target: m\n      timeout: " + text + "\n");
    ASSERT_TRUE(config.has_value()) << text << ": " << config.error().detail;
    EXPECT_EQ(config->routes["menu"].timeout, expected) << text;
  }
}

TEST(MapReader, RejectsMalformedAndOutOfRangeDurations) {
  EXPECT_EQ(
      load_error("menu:\n  cache:\n    refresh: 2x\n"),
      "cloudcafe.yaml: menu.cache.refresh: expected a duration such as 250ms, 2s or 1m, got \"2x\" (line 3, "
      "column 14)");
  EXPECT_EQ(
      load_error("menu:\n  cache:\n    refresh: -1s\n"),
      "cloudcafe.yaml: menu.cache.refresh: expected a duration such as 250ms, 2s or 1m, got \"-1s\" (line 3, "
      "column 14)");
  EXPECT_EQ(load_error("menu:\n  cache:\n    refresh: 2h\n"),
            "cloudcafe.yaml: menu.cache.refresh: must be between 1ms and 1m, got 2h (line 3, column 14)");
}

TEST(MapReader, SuggestsKnownKeyForMisspeltOne) {
  EXPECT_EQ(load_error("menu:\n  cache:\n    backnd: redis\n"),
            "cloudcafe.yaml: menu.cache.backnd: unknown key (did you mean \"backend\"?) (line 3, column 5)");
  EXPECT_EQ(load_error("menu:\n  pgae_size: 3\n"),
            "cloudcafe.yaml: menu.pgae_size: unknown key (did you mean \"page_size\"?) (line 2, column 3)");
}

TEST(MapReader, RejectsUnknownKeyWithoutSuggestionWhenNoneIsClose) {
  EXPECT_EQ(load_error("menu:\n  colour: red\n"),
            "cloudcafe.yaml: menu.colour: unknown key (line 2, column 3)");
  EXPECT_EQ(load_error("billing: {}\n"), "cloudcafe.yaml: billing: unknown key (line 1, column 1)");
}

TEST(MapReader, RejectsValueOutsideChoicesWithSuggestion) {
  EXPECT_EQ(load_error("menu:\n  cache:\n    backend: redsi\n"),
            "cloudcafe.yaml: menu.cache.backend: expected one of \"memory\", \"redis\", got \"redsi\" (did "
            "you mean "
            "\"redis\"?) (line 3, column 14)");
  EXPECT_EQ(load_error("menu:\n  consistency: [strong]\n"),
            "cloudcafe.yaml: menu.consistency: expected one of \"eventual\", \"strong\", got a list (line 2, "
            "column 16)");
}

TEST(MapReader, ReportsMissingRequiredKeyAtItsMapping) {
  EXPECT_EQ(load_error("gateway:\n  routes:\n    menu:\n      timeout: 1s\n"),
            "cloudcafe.yaml: gateway.routes.menu.target: required key is missing (line 4, column 7)");
  EXPECT_EQ(load_error("gateway:\n  upstreams:\n    - weight: 2\n"),
            "cloudcafe.yaml: gateway.upstreams[0].url: required key is missing (line 3, column 7)");
}

TEST(MapReader, NamesListItemsByIndex) {
  EXPECT_EQ(load_error("gateway:\n  upstreams:\n    - url: a\n    - url: [b]\n"),
            "cloudcafe.yaml: gateway.upstreams[1].url: expected a string, got a list (line 4, column 12)");
  EXPECT_EQ(load_error("menu:\n  stores: [a, {b: 1}]\n"),
            "cloudcafe.yaml: menu.stores[1]: expected a string, got a mapping (line 2, column 15)");
  EXPECT_EQ(load_error("gateway:\n  upstreams: [1]\n"),
            "cloudcafe.yaml: gateway.upstreams[0]: expected a mapping, got \"1\" (line 2, column 15)");
}

TEST(MapReader, ReportsUnknownKeysInsideEachEntry) {
  EXPECT_EQ(load_error("gateway:\n  routes:\n    menu: {target: m, timout: 1s}\n"),
            "cloudcafe.yaml: gateway.routes.menu.timout: unknown key (did you mean \"timeout\"?) (line 3, "
            "column 23)");
}

TEST(MapReader, ReportsSeveralErrorsTogetherInFileOrder) {
  Result<Config> config = load(
      "menu:\n"
      "  page_size: 0\n"
      "  cache:\n"
      "    backnd: redis\n"
      "    ttl_ms: abc\n"
      "gateway:\n"
      "  routes:\n"
      "    menu: {}\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail,
            "cloudcafe.yaml: menu.page_size: must be between 1 and 500, got 0 (line 2, column 14)\n"
            "cloudcafe.yaml: menu.cache.backnd: unknown key (did you mean \"backend\"?) (line 4, column 5)\n"
            "cloudcafe.yaml: menu.cache.ttl_ms: expected an integer, got \"abc\" (line 5, column 13)\n"
            "cloudcafe.yaml: gateway.routes.menu.target: required key is missing (line 8, column 11)");
  std::vector<std::string> paths;
  for (const FieldError& field : config.error().fields) paths.push_back(field.field);
  EXPECT_EQ(paths, (std::vector<std::string>{"menu.page_size", "menu.cache.backnd", "menu.cache.ttl_ms",
                                             "gateway.routes.menu.target"}));
  EXPECT_EQ(config.error().fields[0].message, "must be between 1 and 500, got 0 (line 2, column 14)");
}

TEST(MapReader, ReportsFiftyProblemsThenCountsTheRest) {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "unknown_" + std::to_string(i) + ": 1\n";
  Result<Config> config = load(text);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().fields.size(), 50u);
  const std::string& detail = config.error().detail;
  EXPECT_EQ(detail.substr(detail.rfind('\n') + 1), "... and 10 more problems");
}

TEST(MapReader, HasDoesNotCountAsReading) {
  Result<Document> document = parse_yaml("a: 1\n", "c.yaml");
  ASSERT_TRUE(document.has_value());
  MapReader reader(*document);
  EXPECT_TRUE(reader.has("a"));
  EXPECT_FALSE(reader.has("b"));
  Result<void> done = reader.finish();
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().detail, "c.yaml: a: unknown key (line 1, column 1)");
}

}  // namespace
}  // namespace cafe::config
