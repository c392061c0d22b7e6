// Prometheus' file-based service discovery: the supervisor lists every
// replica it runs in one JSON file, rewritten atomically on each change;
// Prometheus notices (inotify, and a periodic re-read) and scrapes the
// new list. Each target carries the labels service, replica and node.
//
// Services label their own metrics `service` too. The scrape config this
// module writes sets honor_labels, so the scraped label is kept (the two
// agree) instead of being renamed exported_service; metrics without it
// (`up`, scrape_*) get the target's.
#pragma once

#include "platform/core/error.h"

#include <filesystem>
#include <string>
#include <vector>

namespace cafe::cluster::prometheus {

struct ScrapeTarget {
  std::string address;  // "127.0.0.1:8081": the replica's HTTP listener, /metrics
  std::string service;  // "menu"
  std::string replica;  // "menu-1", as the replica names itself in its logs
  std::string node;     // the (simulated) node the replica runs on
};

// [{"targets":["<address>"],"labels":{"service":...,"replica":...,"node":...}}, ...]
std::string render_file_sd(const std::vector<ScrapeTarget>& targets);

// Writes render_file_sd(targets) to `path` atomically (0644).
Result<void> write_file_sd(const std::filesystem::path& path, const std::vector<ScrapeTarget>& targets);

}  // namespace cafe::cluster::prometheus
