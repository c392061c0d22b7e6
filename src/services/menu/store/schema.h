// The menu's schema and seed data, as versioned migrations. Portable SQL:
// the same text runs on SQLite and PostgreSQL.
#pragma once

#include "platform/sql/database.h"

#include <span>

namespace cafe::menu::store {

std::span<const sql::Migration> migrations();

}  // namespace cafe::menu::store
