// The bus process's HTTP API (the wire format is platform/bus/wire.h):
// thin handlers that decode a call, run it on the engine and encode the
// answer; errors become problem+json.
#pragma once

#include "platform/core/error.h"
#include "platform/http/router.h"

namespace cafe::bus {
class Bus;
}

namespace cafe::bus::api {

Result<void> add_routes(http::Router& router, Bus& bus);

}  // namespace cafe::bus::api
