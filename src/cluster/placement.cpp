#include "cluster/placement.h"

#include <algorithm>
#include <tuple>

namespace cafe::cluster {

std::optional<std::string> choose_node(const std::vector<std::string>& nodes,
                                       const std::vector<std::string>& allowed,
                                       const std::set<std::string>& cordoned, const NodeLoad& load) {
  auto count = [](const std::map<std::string, int>& m, const std::string& node) {
    auto it = m.find(node);
    return it == m.end() ? 0 : it->second;
  };
  std::optional<std::string> best;
  std::tuple<int, int> best_key{};
  for (const auto& node : nodes) {
    if (cordoned.contains(node)) continue;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), node) == allowed.end()) continue;
    const std::tuple<int, int> key{count(load.of_service, node), count(load.overall, node)};
    if (!best || key < best_key) {
      best = node;
      best_key = key;
    }
  }
  return best;
}

}  // namespace cafe::cluster
