#include "platform/service/registry.h"

#include "platform/config/document.h"
#include "platform/config/map_reader.h"

#include <gtest/gtest.h>

namespace cafe::service {
namespace {

struct BaristaConfig {
  int espresso_shots = 2;
  SqlConfig store;
};

void read_barista(config::MapReader& r, BaristaConfig& c) {
  r.field("espresso_shots", c.espresso_shots, 1, 4);
  r.section("store", [&](config::MapReader& s) { read_sql_config(s, c.store); });
}

// A service nobody runs here: the registry only describes it.
class Idle final : public Service {
 public:
  Result<void> add_routes(http::Router&) override { return {}; }
  bool ready() const override { return true; }
};

Definition barista(std::string name = "barista") {
  return define<BaristaConfig>({
      .name = std::move(name),
      .description = "pulls shots",
      .read_config = read_barista,
      .database = &BaristaConfig::store,
      .migrations = {},
      .cache = nullptr,
      .make = [](ServiceContext&, const BaristaConfig&) -> Result<std::unique_ptr<Service>> {
        return std::unique_ptr<Service>(std::make_unique<Idle>());
      },
  });
}

Result<Sections> read(const Registry& registry, std::string_view yaml) {
  auto document = config::parse_yaml(yaml, "cloudcafe.yaml");
  if (!document) return document.error();
  config::MapReader root(*document);
  Sections sections = read_sections(registry, root);
  if (auto done = root.finish(); !done) return done.error();
  return sections;
}

TEST(ServiceRegistry, FindsEachServiceByName) {
  const Registry registry{barista(), barista("roaster")};
  ASSERT_NE(registry.find("roaster"), nullptr);
  EXPECT_EQ(registry.find("roaster")->description, "pulls shots");
  EXPECT_EQ(registry.find("grinder"), nullptr);
  EXPECT_EQ(registry.names(), (std::vector<std::string>{"barista", "roaster"}));
  EXPECT_EQ(registry.joined_names(), "barista, roaster");
}

TEST(ServiceRegistry, RefusesANameListedTwice) {
  EXPECT_THROW((Registry{barista(), barista()}), std::logic_error);
}

TEST(ServiceRegistry, RefusesANameThatCannotBeACommandArgument) {
  EXPECT_THROW((Registry{barista("Barista")}), std::logic_error);
  EXPECT_THROW((Registry{barista("")}), std::logic_error);
  EXPECT_THROW((Registry{barista("two words")}), std::logic_error);
}

TEST(ServiceRegistry, ReadsEachSectionIntoItsTypedConfigWithItsLimits) {
  const Registry registry{barista()};
  auto sections = read(registry, R"(
barista:
  espresso_shots: 3
  store: {backend: postgres, postgres: {conninfo: "host=db"}}
  limits:
    max_in_flight_per_route: 50
    routes: {"/api/shots": {max_in_flight: 4}}
    dependencies: {store: {max_in_flight: 8}}
)");
  ASSERT_TRUE(sections) << sections.error().detail;
  const auto& config = sections->get<BaristaConfig>("barista");
  EXPECT_EQ(config.espresso_shots, 3);
  EXPECT_EQ(config.store.backend, "postgres");
  EXPECT_EQ(config.store.postgres_conninfo, "host=db");
  const ServiceSection* section = sections->find("barista");
  ASSERT_NE(section, nullptr);
  EXPECT_EQ(section->limits.route_max_in_flight, 50u);
  EXPECT_EQ(section->limits.routes.at("/api/shots"), 4u);
  EXPECT_EQ(section->limits.dependencies.at("store"), 8u);
  // The kit finds the store in the typed config through the Definition.
  EXPECT_EQ(registry.find("barista")->database(section->config)->backend, "postgres");
}

TEST(ServiceRegistry, AnAbsentSectionGetsTheDefaults) {
  const Registry registry{barista()};
  auto sections = read(registry, "");
  ASSERT_TRUE(sections) << sections.error().detail;
  EXPECT_EQ(sections->get<BaristaConfig>("barista").espresso_shots, 2);
  EXPECT_EQ(sections->find("barista")->limits.route_max_in_flight, LimitsConfig{}.route_max_in_flight);
}

TEST(ServiceRegistry, AnUnknownKeyInASectionIsAnErrorNamingItsPath) {
  const Registry registry{barista()};
  auto sections = read(registry, "barista:\n  espresso_shot: 3\n");
  ASSERT_FALSE(sections);
  EXPECT_NE(sections.error().detail.find("barista.espresso_shot"), std::string::npos)
      << sections.error().detail;
}

TEST(ServiceRegistry, ALimitBelowOneIsAnError) {
  const Registry registry{barista()};
  auto sections = read(registry, "barista:\n  limits:\n    dependencies: {store: {max_in_flight: 0}}\n");
  ASSERT_FALSE(sections);
  EXPECT_NE(sections.error().detail.find("barista.limits.dependencies.store.max_in_flight"),
            std::string::npos)
      << sections.error().detail;
}

TEST(ServiceSections, GetCreatesTheDefaultsAndKeepsChanges) {
  Sections sections;
  sections.get<BaristaConfig>("barista").espresso_shots = 4;
  EXPECT_EQ(sections.get<BaristaConfig>("barista").espresso_shots, 4);
  EXPECT_THROW(sections.get<int>("barista"), std::logic_error);
}

}  // namespace
}  // namespace cafe::service
