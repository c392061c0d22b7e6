// The Prometheus of `cloudcafe up --prometheus`: Debian's /usr/bin/prometheus
// as a child of the supervisor, on a free loopback port, scraping every
// replica listed in the supervisor's file_sd file and evaluating the RED
// recording rules. Configuration, rules and storage (short retention) live
// under its own directory; a Prometheus a killed supervisor left there is
// stopped by the next start (pid records, as for the stack).
#pragma once

#include "platform/core/error.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/types.h>

namespace cafe::cluster::prometheus {

struct PrometheusOptions {
  std::filesystem::path dir;                  // <data-dir>/prometheus: config, rules, storage, log
  std::filesystem::path file_sd;              // the targets file the supervisor keeps up to date
  std::filesystem::path rules_file;           // deploy/prometheus/rules.yml; copied into dir
  std::chrono::milliseconds interval{5'000};  // scrape, evaluation, file_sd re-read
  std::string retention = "6h";               // --storage.tsdb.retention.time
  std::chrono::milliseconds start_timeout{30'000};
  std::chrono::milliseconds stop_timeout{10'000};
};

class PrometheusServer {
 public:
  // Ready when /-/ready answers 200. kUnavailable with the tail of its log
  // when it exits (a bad rules file does that), kDeadlineExceeded when it
  // is not ready by start_timeout; kFailedPrecondition while another
  // supervisor runs a Prometheus in `dir`.
  static Result<std::unique_ptr<PrometheusServer>> start(const PrometheusOptions& options);

  ~PrometheusServer();  // stop()
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // SIGTERM, SIGKILL after stop_timeout. Idempotent.
  Result<void> stop();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

 private:
  struct State;
  explicit PrometheusServer(const PrometheusOptions& options);
  Result<void> launch();

  PrometheusOptions options_;
  std::unique_ptr<State> state_;
  std::uint16_t port_ = 0;
  pid_t pid_ = 0;
  std::string log_path_;
  bool stopped_ = false;
};

}  // namespace cafe::cluster::prometheus
