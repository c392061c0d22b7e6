// One service assembled and listening: the app, its router and pipeline,
// metrics, faults and the HTTP server. `serve` runs one until a signal;
// integration tests start several in-process on ephemeral ports.
#pragma once

#include "app/config.h"
#include "app/service_app.h"
#include "platform/faults/fault.h"
#include "platform/http/router.h"
#include "platform/http/server.h"
#include "platform/http/service.h"
#include "platform/telemetry/metrics.h"

#include <memory>
#include <optional>
#include <string>

namespace cafe::app {

struct RunOptions {
  std::string service;
  std::string replica;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string data_dir = "data";
  std::optional<std::string> admin_token;
};

class RunningService {
 public:
  // Builds the service and binds its port; serving starts with start().
  static Result<std::unique_ptr<RunningService>> create(const AppConfig& config, const RunOptions& options);
  ~RunningService();

  void start() { server_->start(); }
  void stop() { server_->stop(); }
  void join() { server_->join(); }
  void run_until_signal() { server_->run_until_signal(); }

  std::uint16_t port() const { return server_->port(); }
  std::string address() const { return server_->address(); }
  http::Server& server() { return *server_; }
  faults::Registry& faults() { return faults_; }

 private:
  RunningService() = default;

  // Declared in dependency order: the app uses metrics and faults; the
  // router's handlers use the app.
  std::unique_ptr<telemetry::Metrics> metrics_;
  faults::Registry faults_;
  std::unique_ptr<ServiceApp> app_;
  http::Router router_;
  std::unique_ptr<http::HttpService> pipeline_;
  std::unique_ptr<http::Server> server_;
};

// The app for a service name, or kInvalidArgument naming the known ones.
Result<std::unique_ptr<ServiceApp>> make_service_app(const std::string& service, const AppConfig& config,
                                                     const RunOptions& options, telemetry::Metrics& metrics,
                                                     faults::Registry& faults);

}  // namespace cafe::app
