#include "cluster/prometheus/file_sd.h"

#include "cluster/stack/atomic_file.h"

#include <boost/json.hpp>

namespace cafe::cluster::prometheus {

std::string render_file_sd(const std::vector<ScrapeTarget>& targets) {
  boost::json::array groups;
  groups.reserve(targets.size());
  for (const auto& t : targets) {
    groups.push_back(boost::json::object{
        {"targets", boost::json::array{boost::json::string(t.address)}},
        {"labels", boost::json::object{{"service", t.service}, {"replica", t.replica}, {"node", t.node}}},
    });
  }
  return boost::json::serialize(groups) + "\n";
}

Result<void> write_file_sd(const std::filesystem::path& path, const std::vector<ScrapeTarget>& targets) {
  return stack::write_file_atomically(path, render_file_sd(targets));
}

}  // namespace cafe::cluster::prometheus
