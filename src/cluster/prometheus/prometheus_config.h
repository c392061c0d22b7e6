// The prometheus.yml the supervisor's Prometheus runs with: one scrape job
// over the file_sd targets, the RED recording rules, short intervals (a
// lab on one machine, where a chaos experiment should show in seconds).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace cafe::cluster::prometheus {

struct ScrapeSettings {
  std::filesystem::path file_sd;              // the targets (file_sd.h)
  std::filesystem::path rules_file;           // recording rules
  std::chrono::milliseconds interval{5'000};  // scrape, rule evaluation and file_sd re-read
};

std::string render_config(const ScrapeSettings& settings);

}  // namespace cafe::cluster::prometheus
