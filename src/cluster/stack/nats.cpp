#include "cluster/stack/nats.h"

#include "cluster/stack/atomic_file.h"
#include "cluster/stack/loopback.h"

#include <chrono>
#include <csignal>

namespace cafe::cluster::stack {

namespace {

std::string configuration(const StackPaths& paths, std::uint16_t port) {
  return "listen: \"127.0.0.1:" + std::to_string(port) +
         "\"\n"
         "jetstream {\n"
         "  store_dir: \"" +
         (paths.nats / "store").string() +
         "\"\n"
         "  max_memory_store: 64MB\n"
         "  max_file_store: 1GB\n"
         "}\n";
}

}  // namespace

Result<std::filesystem::path> nats_binary() {
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"}) {
    if (std::filesystem::exists(path)) return std::filesystem::path(path);
  }
  return Error::unavailable("nats-server not found (/usr/sbin, /usr/bin, /usr/local/bin)");
}

ServerLaunch nats_launch(const StackPaths& paths, const std::filesystem::path& binary,
                         const std::optional<RunAs>& account) {
  const auto config = paths.nats / "nats.conf";
  return ServerLaunch{
      .name = "nats",
      .spec = [paths, binary, account, config](std::uint16_t port) -> Result<ProcessSpec> {
        // 0644: the server's account reads it.
        if (auto written = write_file_atomically(config, configuration(paths, port)); !written) {
          return written.error();
        }
        ProcessSpec spec;
        spec.argv = {binary.string(), "-c", config.string()};
        spec.env = environment_without({});
        spec.log_path = paths.log("nats");
        spec.cwd = paths.nats;
        spec.run_as = account;
        spec.death_signal = SIGTERM;
        return spec;
      },
      .ready = [](std::uint16_t port) -> Result<void> {
        // The server greets every client with INFO; "jetstream":true
        // once JetStream is enabled, which it is before clients are
        // accepted.
        auto info =
            loopback_exchange(port, "", ReadUntil::kLine, Deadline::after(std::chrono::milliseconds(500)));
        if (!info) return info.error();
        if (info->find("\"jetstream\":true") == std::string::npos) {
          return Error::unavailable("nats-server is up without JetStream: " + *info);
        }
        return ok();
      },
      .stop_signal = SIGTERM,
  };
}

}  // namespace cafe::cluster::stack
