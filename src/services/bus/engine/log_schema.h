// The bus process's durable log (SQLite by default): queues, their
// messages, streams, their records and the groups' committed offsets.
#pragma once

#include "platform/sql/database.h"

#include <span>

namespace cafe::bus::engine {

std::span<const sql::Migration> migrations();

}  // namespace cafe::bus::engine
