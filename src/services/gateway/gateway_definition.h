// The gateway on the service kit: its registry entry.
#pragma once

#include "platform/service/definition.h"

namespace cafe::gateway {

// "gateway": the configured route table and static targets; calls to a
// target group answer to faults on "dependency:<group>". No store, no
// cache. Its health checks and per-thread upstream clients are its own
// (gateway.cpp): they end in stop_background and as each I/O thread drains.
service::Definition definition();

}  // namespace cafe::gateway
