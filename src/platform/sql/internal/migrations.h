// What both backends' migrate() share: the ledger table and the checks on
// the list of migrations.
#pragma once

#include "platform/sql/database.h"

#include <span>
#include <string>

namespace cafe::sql::internal {

// Portable DDL for the ledger of applied migrations.
inline constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
inline constexpr const char* kSelectMigration = "SELECT 1 FROM schema_migrations WHERE version = ?";
inline constexpr const char* kRecordMigration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)";

// Versions must start at 1 or above and strictly increase (kInvalidArgument).
Result<void> validate_migrations(std::span<const Migration> migrations);

}  // namespace cafe::sql::internal
