#include "cluster/prometheus/prometheus_config.h"

#include <algorithm>

namespace cafe::cluster::prometheus {

namespace {

// Prometheus durations: "1500ms", "5s".
std::string duration(std::chrono::milliseconds d) {
  const auto ms = std::max<std::chrono::milliseconds::rep>(d.count(), 1);
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// A YAML double-quoted scalar: paths may hold anything.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string render_config(const ScrapeSettings& settings) {
  const std::string every = duration(settings.interval);
  // A scrape must end before the next one starts.
  const std::string timeout = duration(std::min(settings.interval, std::chrono::milliseconds(10'000)));
  return "# Written by the CloudCafe supervisor on every start; edits are lost.\n"
         "global:\n"
         "  scrape_interval: " +
         every + "\n  scrape_timeout: " + timeout + "\n  evaluation_interval: " + every +
         "\n"
         "rule_files:\n"
         "  - " +
         quoted(settings.rules_file.string()) +
         "\n"
         "scrape_configs:\n"
         "  - job_name: cloudcafe\n"
         "    # Services label their metrics `service` themselves; keep theirs\n"
         "    # rather than renaming it exported_service (they agree).\n"
         "    honor_labels: true\n"
         "    file_sd_configs:\n"
         "      - files:\n"
         "          - " +
         quoted(settings.file_sd.string()) + "\n        refresh_interval: " + every + "\n";
}

}  // namespace cafe::cluster::prometheus
