// The stack's NATS: one nats-server with JetStream, its store kept across
// runs, memory and disk for streams capped.
#pragma once

#include "cluster/process.h"
#include "cluster/stack/server_launch.h"
#include "cluster/stack/stack_paths.h"

#include <optional>

namespace cafe::cluster::stack {

// nats-server from /usr/sbin, /usr/bin or /usr/local/bin; kUnavailable when absent.
Result<std::filesystem::path> nats_binary();

// The configuration (with the port) is written to <nats>/nats.conf by each
// start.
ServerLaunch nats_launch(const StackPaths& paths, const std::filesystem::path& binary,
                         const std::optional<RunAs>& account);

}  // namespace cafe::cluster::stack
