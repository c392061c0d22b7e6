// The account the stack's servers run as. PostgreSQL refuses to run as
// root, and no server needs root, so a root supervisor runs them all as
// "postgres" (the Debian package's account), else "nobody"; any other
// supervisor runs them as itself.
#pragma once

#include "cluster/process.h"
#include "platform/core/error.h"

#include <filesystem>
#include <optional>

namespace cafe::cluster::stack {

// nullopt when the supervisor is not root (servers run as the supervisor).
Result<std::optional<RunAs>> server_account();

// Creates `dir` (and parents) and, for an account, hands `dir` itself to
// it. kFailedPrecondition, with the directory to fix, when the account
// cannot reach `dir` through its parents (e.g. under a 0700 home).
Result<void> make_server_dir(const std::filesystem::path& dir, const std::optional<RunAs>& account);

}  // namespace cafe::cluster::stack
