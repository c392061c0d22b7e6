#include "app/running_service.h"

#include "app/services.h"

namespace cafe::app {

service::HostOptions host_options(const AppConfig& config, const RunOptions& options) {
  service::HostOptions out;
  out.replica = options.replica;
  out.data_dir = options.data_dir;
  out.admin_token = options.admin_token;
  out.access_log = config.log.access_log;
  out.server = http::ServerOptions{
      .host = options.host,
      .port = options.port,
      .threads = config.http.threads,
      .header_limit = config.http.header_limit,
      .read_timeout = config.http.read_timeout,
      .idle_timeout = config.http.idle_timeout,
      .write_timeout = config.http.write_timeout,
      .drain_timeout = config.http.drain_timeout,
      .max_connections = config.http.max_connections,
  };
  out.shutdown_timeout = config.shutdown.timeout;
  out.stress.max_threads = config.stress.max_threads;
  out.peers = config.peers;
  return out;
}

Result<std::unique_ptr<RunningService>> RunningService::create(const AppConfig& config,
                                                               const RunOptions& options) {
  const service::Definition* definition = services().find(options.service);
  if (!definition) {
    return Error::invalid("unknown service '" + options.service +
                          "'; this build serves: " + services().joined_names());
  }
  const service::ServiceSection* section = config.services.find(options.service);
  const service::ServiceSection defaults{.config = definition->default_config(), .limits = {}};
  auto host =
      service::Host::create(*definition, section ? *section : defaults, host_options(config, options));
  if (!host) return host.error();
  return std::unique_ptr<RunningService>(new RunningService(std::move(*host)));
}

}  // namespace cafe::app
