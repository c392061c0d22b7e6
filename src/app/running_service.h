// One service from the registry, assembled on the kit (service::Host) with
// the process config: `serve` runs one until a signal; integration tests
// start several in-process on ephemeral ports.
#pragma once

#include "app/config.h"
#include "platform/faults/fault.h"
#include "platform/service/host.h"

#include <cstdint>
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
  // kInvalidArgument naming the registered services for an unknown name.
  static Result<std::unique_ptr<RunningService>> create(const AppConfig& config, const RunOptions& options);

  Result<void> start() { return host_->start(); }
  // The ordered shutdown (service::Host::shutdown); blocking, idempotent.
  Result<void> stop() { return host_->shutdown(); }
  // stop(), for callers that stop and then wait.
  void join() { (void)host_->shutdown(); }

  std::uint16_t port() const { return host_->port(); }
  std::string address() const { return host_->address(); }
  faults::Registry& faults() { return host_->faults(); }
  service::Host& host() { return *host_; }

 private:
  explicit RunningService(std::unique_ptr<service::Host> host) : host_(std::move(host)) {}
  std::unique_ptr<service::Host> host_;
};

// The kit's options for `options` under `config` (server, shutdown, stress).
service::HostOptions host_options(const AppConfig& config, const RunOptions& options);

}  // namespace cafe::app
