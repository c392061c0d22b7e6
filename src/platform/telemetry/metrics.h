// The process's metrics registry and its Prometheus text rendering
// (exposition format 0.0.4), served on /metrics by our own HTTP server.
// Every family built here carries a constant `service` label.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>

namespace cafe::telemetry {

class Metrics {
 public:
  explicit Metrics(std::string service);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  const std::string& service() const { return service_; }
  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

  // Brings cloudcafe_log_lines_dropped_total up to dropped_log_lines(), then
  // serialises the registry. Thread-safe.
  std::string render() const;

 private:
  std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& log_lines_dropped_;
  mutable std::mutex render_mutex_;
};

}  // namespace cafe::telemetry
