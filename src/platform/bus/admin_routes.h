// The bus's admin routes (bearer token), on whatever Bus a process has: the
// bus process serves them for its own engine, and the kit adds them to
// every service that declares a bus (so a deployment on JetStream, with no
// bus process, is operated the same way):
//   GET    /admin/bus/queues                          depths, in flight, dead, oldest age
//   GET    /admin/bus/streams                         offsets, size, group positions
//   GET    /admin/bus/queues/{queue}/messages?limit=n peek, nothing changes
//   GET    /admin/bus/queues/{queue}/dead-letters?limit=n
//   POST   /admin/bus/queues/{queue}/redrive {"limit": n}
//   DELETE /admin/bus/queues/{queue}/messages        purge
#pragma once

#include "platform/core/error.h"
#include "platform/http/router.h"

namespace cafe::bus {

class Bus;

Result<void> add_admin_routes(http::Router& router, Bus& bus);

}  // namespace cafe::bus
