// Where a new replica runs: the allowed node (its service's list, or every
// node) that is not cordoned and holds the fewest replicas of the service,
// then the fewest replicas overall, then the first listed. Pure.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cafe::cluster {

struct NodeLoad {
  std::map<std::string, int> of_service;  // node -> active replicas of this service
  std::map<std::string, int> overall;     // node -> active replicas of any service
};

std::optional<std::string> choose_node(const std::vector<std::string>& nodes,
                                       const std::vector<std::string>& allowed,
                                       const std::set<std::string>& cordoned, const NodeLoad& load);

}  // namespace cafe::cluster
