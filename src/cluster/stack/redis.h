// The stack's Redis: a cache, so nothing is persisted, and its memory is
// capped with least-recently-used eviction.
#pragma once

#include "cluster/process.h"
#include "cluster/stack/server_launch.h"
#include "cluster/stack/stack_paths.h"

#include <optional>

namespace cafe::cluster::stack {

// redis-server from /usr/bin or /usr/local/bin; kUnavailable when absent.
Result<std::filesystem::path> redis_binary();

ServerLaunch redis_launch(const StackPaths& paths, const std::filesystem::path& binary,
                          const std::optional<RunAs>& account);

}  // namespace cafe::cluster::stack
