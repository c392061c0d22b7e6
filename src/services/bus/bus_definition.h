// `cloudcafe serve bus`: the embedded bus (DESIGN §1) — queues and streams
// in one process that owns a SQLite log and serves them over HTTP.
#pragma once

#include "platform/service/definition.h"

namespace cafe::bus {

service::Definition definition();

}  // namespace cafe::bus
