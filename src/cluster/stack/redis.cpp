#include "cluster/stack/redis.h"

#include "cluster/stack/loopback.h"

#include <chrono>
#include <csignal>

namespace cafe::cluster::stack {

Result<std::filesystem::path> redis_binary() {
  for (const char* path : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (std::filesystem::exists(path)) return std::filesystem::path(path);
  }
  return Error::unavailable("redis-server not found (/usr/bin, /usr/local/bin)");
}

ServerLaunch redis_launch(const StackPaths& paths, const std::filesystem::path& binary,
                          const std::optional<RunAs>& account) {
  return ServerLaunch{
      .name = "redis",
      .spec = [paths, binary, account](std::uint16_t port) -> Result<ProcessSpec> {
        ProcessSpec spec;
        spec.argv = {binary.string(),
                     "--bind",
                     "127.0.0.1",
                     "--port",
                     std::to_string(port),
                     "--dir",
                     paths.redis,
                     "--save",
                     "",
                     "--appendonly",
                     "no",
                     "--daemonize",
                     "no",
                     "--maxmemory",
                     "128mb",
                     "--maxmemory-policy",
                     "allkeys-lru",
                     "--logfile",
                     ""};
        spec.env = environment_without({});
        spec.log_path = paths.log("redis");
        spec.cwd = paths.redis;
        spec.run_as = account;
        spec.death_signal = SIGTERM;
        return spec;
      },
      .ready = [](std::uint16_t port) -> Result<void> {
        auto reply = loopback_exchange(port, "PING\r\n", ReadUntil::kLine,
                                       Deadline::after(std::chrono::milliseconds(500)));
        if (!reply) return reply.error();
        if (*reply != "+PONG\r\n") return Error::unavailable("redis answered PING with " + *reply);
        return ok();
      },
      .stop_signal = SIGTERM,
  };
}

}  // namespace cafe::cluster::stack
