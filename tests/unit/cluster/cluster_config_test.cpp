#include "cluster/cluster_config.h"

#include "app/config.h"
#include "app/services.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace cafe::cluster {
namespace {

using namespace std::chrono_literals;

Result<app::AppConfig> parse(std::string_view yaml) {
  return app::parse_config(yaml, "cafe.yaml", {});
}

// The parse error's detail, failing the test when the text was accepted.
std::string parse_error(std::string_view yaml) {
  auto c = parse(yaml);
  if (c) {
    ADD_FAILURE() << "accepted:\n" << yaml;
    return {};
  }
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  return c.error().detail;
}

// The validation error for text that parses: its detail, and the key of
// its one field.
struct Refusal {
  std::string detail;
  std::string field;
};

Refusal validation_error(std::string_view yaml) {
  auto c = parse(yaml);
  if (!c) {
    ADD_FAILURE() << "did not parse: " << c.error().detail;
    return {};
  }
  auto valid = validate(c->cluster, app::services());
  if (valid) {
    ADD_FAILURE() << "validated:\n" << yaml;
    return {};
  }
  EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(valid.error().fields.size(), 1u);
  return {valid.error().detail, valid.error().fields.empty() ? "" : valid.error().fields.front().field};
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ClusterConfig, DefaultsPlaceTheBusFirstMenuWithTwoReplicasAndTheGatewayLast) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_TRUE(validate(c->cluster, app::services()));
  EXPECT_EQ(c->cluster.nodes, (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(c->cluster.gateway_port, 0);
  EXPECT_EQ(c->cluster.restart.initial_backoff, 200ms);
  const auto p = placements(c->cluster, app::services());
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].service, "bus");
  EXPECT_EQ(p[0].replicas, 1);
  EXPECT_EQ(p[1].service, "menu");
  EXPECT_EQ(p[1].replicas, 2);
  EXPECT_TRUE(p[1].nodes.empty());
  EXPECT_EQ(p[1].base_port, 0);
  EXPECT_EQ(p[2].service, "gateway");
  EXPECT_EQ(p[2].replicas, 1);
}

TEST(ClusterConfig, ReadsReplicasNodesPortsAndRestartPolicy) {
  auto c = parse(R"(
cluster:
  nodes: [east, west, north]
  gateway_port: 8080
  control_port: 8090
  services:
    menu: {replicas: 3, nodes: [west], base_port: 9100}
  restart: {initial_backoff: 50ms, max_backoff: 2s, crash_loop_restarts: 3, crash_loop_window: 30s, stable_after: 5s}
)");
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_TRUE(validate(c->cluster, app::services()));
  EXPECT_EQ(c->cluster.nodes, (std::vector<std::string>{"east", "west", "north"}));
  EXPECT_EQ(c->cluster.gateway_port, 8080);
  EXPECT_EQ(c->cluster.control_port, 8090);
  EXPECT_EQ(c->cluster.restart.initial_backoff, 50ms);
  EXPECT_EQ(c->cluster.restart.max_backoff, 2s);
  EXPECT_EQ(c->cluster.restart.crash_loop_restarts, 3);
  EXPECT_EQ(c->cluster.restart.crash_loop_window, 30s);
  EXPECT_EQ(c->cluster.restart.stable_after, 5s);
  const auto p = placements(c->cluster, app::services());
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].service, "menu");
  EXPECT_EQ(p[1].replicas, 3);
  EXPECT_EQ(p[1].nodes, (std::vector<std::string>{"west"}));
  EXPECT_EQ(p[1].base_port, 9100);
  EXPECT_EQ(p[2].service, "gateway");
  EXPECT_EQ(p[2].replicas, 1);
}

TEST(ClusterConfig, AServiceNamedWithoutReplicasKeepsItsRegistryDefault) {
  auto c = parse("cluster: {services: {menu: {nodes: [node-b]}}}");
  ASSERT_TRUE(c) << c.error().detail;
  const auto p = placements(c->cluster, app::services());
  EXPECT_EQ(p[1].service, "menu");
  EXPECT_EQ(p[1].replicas, 2);
  EXPECT_EQ(p[1].nodes, (std::vector<std::string>{"node-b"}));
}

TEST(ClusterConfig, RefusesAnUnknownKeyUnderCluster) {
  const auto e = parse_error("cluster: {gateway_prot: 8080}");
  EXPECT_TRUE(has(e, "cluster.gateway_prot")) << e;
  EXPECT_TRUE(has(e, "unknown key")) << e;
}

TEST(ClusterConfig, RefusesAMisspelledServiceNamingItsPath) {
  const auto e = parse_error("cluster: {services: {mneu: {replicas: 2}}}");
  EXPECT_TRUE(has(e, "cluster.services.mneu")) << e;
  EXPECT_TRUE(has(e, "unknown key")) << e;
}

// read_cluster_config promises a "did you mean" for a misspelled service.
TEST(ClusterConfig, SuggestsTheServiceAMisspelledNameWasMeantToBe) {
  const auto e = parse_error("cluster: {services: {mneu: {replicas: 2}}}");
  EXPECT_TRUE(has(e, R"(did you mean "menu")")) << e;
}

TEST(ClusterConfig, RefusesAnUnknownKeyInsideAService) {
  const auto e = parse_error("cluster: {services: {menu: {replicaz: 2}}}");
  EXPECT_TRUE(has(e, "cluster.services.menu.replicaz")) << e;
}

TEST(ClusterConfig, RefusesAnUnknownKeyUnderRestart) {
  const auto e = parse_error("cluster: {restart: {max_backof: 2s}}");
  EXPECT_TRUE(has(e, "cluster.restart.max_backof")) << e;
}

TEST(ClusterConfig, RefusesWrongTypesNamingTheKey) {
  EXPECT_TRUE(
      has(parse_error("cluster: {services: {menu: {replicas: three}}}"), "cluster.services.menu.replicas"));
  EXPECT_TRUE(has(parse_error("cluster: {nodes: node-a}"), "cluster.nodes"));
  EXPECT_TRUE(has(parse_error("cluster: {gateway_port: [8080]}"), "cluster.gateway_port"));
  EXPECT_TRUE(
      has(parse_error("cluster: {restart: {initial_backoff: soon}}"), "cluster.restart.initial_backoff"));
  EXPECT_TRUE(has(parse_error("cluster: {services: [menu]}"), "cluster.services"));
}

TEST(ClusterConfig, RefusesReplicasOutOfRange) {
  EXPECT_TRUE(
      has(parse_error("cluster: {services: {menu: {replicas: 17}}}"), "cluster.services.menu.replicas"));
  EXPECT_TRUE(
      has(parse_error("cluster: {services: {menu: {replicas: -1}}}"), "cluster.services.menu.replicas"));
  auto most = parse("cluster: {services: {menu: {replicas: 16}}}");
  ASSERT_TRUE(most) << most.error().detail;
  EXPECT_EQ(placements(most->cluster, app::services())[1].replicas, kMaxReplicas);
}

TEST(ClusterConfig, RefusesPortsOutOfRange) {
  EXPECT_TRUE(has(parse_error("cluster: {gateway_port: 65536}"), "cluster.gateway_port"));
  EXPECT_TRUE(
      has(parse_error("cluster: {services: {menu: {base_port: -1}}}"), "cluster.services.menu.base_port"));
}

TEST(ClusterConfig, ValidationRefusesASecondBusReplica) {
  const auto r = validation_error("cluster: {services: {bus: {replicas: 2}}}");
  EXPECT_EQ(r.field, "cluster.services.bus.replicas");
  EXPECT_TRUE(has(r.detail, "cluster.services.bus.replicas")) << r.detail;
}

TEST(ClusterConfig, ValidationRefusesAClusterWithoutAGateway) {
  const auto r = validation_error("cluster: {services: {gateway: {replicas: 0}}}");
  EXPECT_EQ(r.field, "cluster.services.gateway.replicas");
}

TEST(ClusterConfig, ValidationAcceptsAServiceScaledToZero) {
  auto c = parse("cluster: {services: {menu: {replicas: 0}}}");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_TRUE(validate(c->cluster, app::services()));
}

TEST(ClusterConfig, ValidationRefusesSeveralGatewaysOnOneFixedGatewayPort) {
  const auto r = validation_error("cluster: {gateway_port: 8080, services: {gateway: {replicas: 2}}}");
  EXPECT_EQ(r.field, "cluster.services.gateway.replicas");
}

TEST(ClusterConfig, ValidationRefusesAServiceNodeAbsentFromClusterNodes) {
  const auto r =
      validation_error("cluster: {nodes: [node-a, node-b], services: {menu: {nodes: [node-a, node-c]}}}");
  EXPECT_EQ(r.field, "cluster.services.menu.nodes[1]");
  EXPECT_TRUE(has(r.detail, "node-c")) << r.detail;
}

TEST(ClusterConfig, ValidationRefusesADuplicateNode) {
  const auto r = validation_error("cluster: {nodes: [node-a, node-b, node-a]}");
  EXPECT_TRUE(r.field == "cluster.nodes[0]" || r.field == "cluster.nodes[2]") << r.field;
  EXPECT_TRUE(has(r.detail, "twice")) << r.detail;
}

TEST(ClusterConfig, ValidationRefusesBadNodeNames) {
  EXPECT_EQ(validation_error("cluster: {nodes: [node-a, Node_B]}").field, "cluster.nodes[1]");
  EXPECT_EQ(validation_error("cluster: {nodes: ['']}").field, "cluster.nodes[0]");
  EXPECT_EQ(validation_error("cluster: {nodes: [" + std::string(41, 'n') + "]}").field, "cluster.nodes[0]");
  EXPECT_EQ(validation_error("cluster: {nodes: []}").field, "cluster.nodes");
}

TEST(ClusterConfig, ValidationAcceptsANodeNameOfFortyCharacters) {
  auto c = parse("cluster: {nodes: [" + std::string(40, 'n') + "]}");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_TRUE(validate(c->cluster, app::services()));
}

TEST(ClusterConfig, ValidationRefusesTheGatewayPortEqualToTheControlPort) {
  const auto r = validation_error("cluster: {gateway_port: 8080, control_port: 8080}");
  EXPECT_EQ(r.field, "cluster.control_port");
  EXPECT_TRUE(has(r.detail, "cluster.gateway_port")) << r.detail;
}

TEST(ClusterConfig, ValidationRefusesBasePortRangesThatOverlap) {
  // menu takes 9100..9115 (room to scale to kMaxReplicas): 9110 is inside.
  const auto r =
      validation_error("cluster: {services: {menu: {base_port: 9100}, gateway: {base_port: 9110}}}");
  EXPECT_EQ(r.field, "cluster.services.gateway.base_port");
  EXPECT_TRUE(has(r.detail, "cluster.services.menu.base_port")) << r.detail;
}

TEST(ClusterConfig, ValidationAcceptsBasePortRangesThatOnlyTouch) {
  auto c = parse("cluster: {services: {menu: {base_port: 9100}, gateway: {base_port: 9116}}}");
  ASSERT_TRUE(c) << c.error().detail;
  auto valid = validate(c->cluster, app::services());
  EXPECT_TRUE(valid) << valid.error().detail;
}

TEST(ClusterConfig, ValidationRefusesABasePortRangeCoveringTheGatewayPort) {
  const auto r = validation_error("cluster: {gateway_port: 9105, services: {menu: {base_port: 9100}}}");
  EXPECT_EQ(r.field, "cluster.services.menu.base_port");
  EXPECT_TRUE(has(r.detail, "cluster.gateway_port")) << r.detail;
}

TEST(ClusterConfig, ValidationRefusesABasePortRangeRunningPastTheLastPort) {
  const auto r = validation_error("cluster: {services: {menu: {base_port: 65530}}}");
  EXPECT_EQ(r.field, "cluster.services.menu.base_port");
  EXPECT_TRUE(has(r.detail, "65535")) << r.detail;
}

TEST(ClusterConfig, ValidationRefusesAMaxBackoffBelowTheInitialBackoff) {
  const auto r = validation_error("cluster: {restart: {initial_backoff: 2s, max_backoff: 1s}}");
  EXPECT_EQ(r.field, "cluster.restart.max_backoff");
  EXPECT_TRUE(has(r.detail, "cluster.restart.max_backoff")) << r.detail;
}

}  // namespace
}  // namespace cafe::cluster
