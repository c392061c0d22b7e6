// Where everything of the real stack lives under its directory: data that
// is kept across runs (the two PostgreSQL data directories, the JetStream
// store), logs, and the pid records of the running servers.
#pragma once

#include <filesystem>

namespace cafe::cluster::stack {

struct StackPaths {
  explicit StackPaths(const std::filesystem::path& root)
      : root(root),
        logs(root / "logs"),
        run(root / "run"),
        lock(root / "stack.lock"),
        postgres(root / "postgres"),
        primary(postgres / "primary"),
        standby(postgres / "standby"),
        // Written once the directory is complete: a first run interrupted
        // half-way is redone instead of half-trusted.
        primary_ready(postgres / "primary.ready"),
        standby_ready(postgres / "standby.ready"),
        redis(root / "redis"),
        nats(root / "nats") {}

  std::filesystem::path root;
  std::filesystem::path logs;
  std::filesystem::path run;
  std::filesystem::path lock;
  std::filesystem::path postgres;
  std::filesystem::path primary;
  std::filesystem::path standby;
  std::filesystem::path primary_ready;
  std::filesystem::path standby_ready;
  std::filesystem::path redis;
  std::filesystem::path nats;

  std::filesystem::path log(const std::string& name) const { return logs / (name + ".log"); }
};

}  // namespace cafe::cluster::stack
