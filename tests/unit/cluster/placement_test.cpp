#include "cluster/placement.h"

#include <gtest/gtest.h>

namespace cafe::cluster {
namespace {

const std::vector<std::string> kNodes = {"node-a", "node-b", "node-c"};

TEST(ChooseNode, PrefersTheNodeWithFewestReplicasOfTheService) {
  NodeLoad load{.of_service = {{"node-a", 1}, {"node-b", 0}, {"node-c", 1}},
                .overall = {{"node-a", 0}, {"node-b", 5}, {"node-c", 0}}};
  EXPECT_EQ(choose_node(kNodes, {}, {}, load), "node-b");
}

TEST(ChooseNode, BreaksTiesByFewestReplicasOverall) {
  NodeLoad load{.of_service = {{"node-a", 1}, {"node-b", 1}, {"node-c", 1}},
                .overall = {{"node-a", 4}, {"node-b", 3}, {"node-c", 2}}};
  EXPECT_EQ(choose_node(kNodes, {}, {}, load), "node-c");
}

TEST(ChooseNode, BreaksRemainingTiesByListOrder) {
  EXPECT_EQ(choose_node(kNodes, {}, {}, {}), "node-a");
  NodeLoad load{.of_service = {{"node-a", 1}}, .overall = {{"node-a", 1}}};
  EXPECT_EQ(choose_node(kNodes, {}, {}, load), "node-b");
  EXPECT_EQ(choose_node({"node-c", "node-b", "node-a"}, {}, {}, {}), "node-c");
}

TEST(ChooseNode, SkipsCordonedNodes) {
  NodeLoad load{.of_service = {{"node-a", 0}, {"node-b", 2}, {"node-c", 1}}, .overall = {}};
  EXPECT_EQ(choose_node(kNodes, {}, {"node-a"}, load), "node-c");
}

TEST(ChooseNode, KeepsToTheAllowedNodes) {
  NodeLoad load{.of_service = {{"node-a", 0}, {"node-b", 3}, {"node-c", 1}}, .overall = {}};
  EXPECT_EQ(choose_node(kNodes, {"node-b", "node-c"}, {}, load), "node-c");
  EXPECT_EQ(choose_node(kNodes, {"node-b"}, {}, load), "node-b");
}

TEST(ChooseNode, FindsNoNodeWhenEveryAllowedNodeIsCordoned) {
  EXPECT_EQ(choose_node(kNodes, {}, {"node-a", "node-b", "node-c"}, {}), std::nullopt);
  EXPECT_EQ(choose_node(kNodes, {"node-b"}, {"node-b"}, {}), std::nullopt);
  EXPECT_EQ(choose_node({}, {}, {}, {}), std::nullopt);
}

}  // namespace
}  // namespace cafe::cluster
