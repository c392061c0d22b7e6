// The stack's PostgreSQL: a primary and a streaming standby of it, each a
// `postgres -D <dir>` child of the supervisor (never pg_ctl: the postmaster
// must be the child that gets the parent-death signal). The first run
// initialises the primary (initdb, the roles) and clones the standby from
// it (pg_basebackup, a replication slot); later runs reuse both.
//
// Roles: "postgres" (superuser, the stack's own work), "cafe" (owns every
// service database; what services connect as), "cafe_replication". Both
// servers listen on 127.0.0.1 only and trust it: the stack is a local lab.
#pragma once

#include "cluster/process.h"
#include "cluster/stack/server_launch.h"
#include "cluster/stack/stack_paths.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cafe::cluster::stack {

inline constexpr const char* kServiceRole = "cafe";

struct PostgresSetup {
  StackPaths paths;
  std::filesystem::path bindir;  // initdb, postgres, pg_basebackup, psql, pg_isready
  std::optional<RunAs> account;
};

// The newest /usr/lib/postgresql/<version>/bin (Debian), else the dir of
// `postgres` on PATH; kUnavailable when neither exists.
Result<std::filesystem::path> postgres_bindir();

// initdb the primary unless a previous run completed it.
Result<void> initialize_primary(const PostgresSetup& setup, Deadline deadline);
// After the first start of the primary: the roles, then primary.ready.
Result<void> finish_primary(const PostgresSetup& setup, std::uint16_t primary_port, Deadline deadline);
// pg_basebackup the standby from the running primary unless a previous run
// completed it.
Result<void> initialize_standby(const PostgresSetup& setup, std::uint16_t primary_port, Deadline deadline);

ServerLaunch primary_launch(const PostgresSetup& setup);
ServerLaunch standby_launch(const PostgresSetup& setup, std::uint16_t primary_port);

// Runs `sql` with psql on 127.0.0.1:port as `user` against `dbname`; the
// rows come back unaligned, one per line, fields separated by '|'.
Result<std::string> run_sql(const PostgresSetup& setup, std::uint16_t port, const std::string& user,
                            const std::string& dbname, const std::string& sql, Deadline deadline);

// Creates database `name` owned by kServiceRole unless it exists.
Result<void> ensure_database(const PostgresSetup& setup, std::uint16_t primary_port, const std::string& name,
                             Deadline deadline);

}  // namespace cafe::cluster::stack
