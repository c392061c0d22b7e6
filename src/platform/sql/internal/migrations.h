// What both backends' migrate() share: the ledger table and the checks on
// the list of migrations.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/time.h"
#include "platform/sql/database.h"

#include <chrono>
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

// What one migration may take, lock wait included. Migrations run at
// start-up, before serving; this only keeps a stuck one from hanging it.
inline constexpr std::chrono::seconds kMigrationBudget{60};

// Versions must start at 1 or above and strictly increase (kInvalidArgument).
Result<void> validate_migrations(std::span<const Migration> migrations);

// Inside a transaction that already holds the migration lock (BEGIN
// IMMEDIATE on SQLite, an advisory lock on PostgreSQL): applies `m` and
// records it unless another process got there first, then commits. The
// caller rolls back on an error.
template <class Connection>
Result<void> apply_locked(Connection& conn, const Migration& m, Deadline deadline) {
  const Value version{std::int64_t{m.version}};
  auto applied = conn.execute(kSelectMigration, std::span(&version, 1), deadline);
  if (!applied) return applied.error();
  if (!applied->empty()) return conn.exec_script("COMMIT", deadline);
  if (auto r = conn.exec_script(m.sql, deadline); !r) {
    Error e = r.error();
    e.detail = "migration " + std::to_string(m.version) + " (" + m.name + "): " + e.detail;
    return e;
  }
  const Value row[] = {version, Value{m.name}, Value{now_rfc3339()}};
  if (auto r = conn.execute(kRecordMigration, row, deadline); !r) return r.error();
  return conn.exec_script("COMMIT", deadline);
}

}  // namespace cafe::sql::internal
