// What the real-stack tests share: starting a stack in a temp dir the way
// the supervisor does (a missing server binary is a skip, or a failure
// under CI=true), and one-statement PostgreSQL and JetStream probes that go
// through the client libraries the services use, not through the stack's
// own probes (JetStream: support/nats_server.h).
#pragma once

#include "cluster/stack/real_stack.h"
#include "platform/core/error.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace cafe::test {

// Whether every server binary is installed; records a skip (or, under
// CI=true, a failure) when one is missing.
bool stack_binaries_or_report();

// Starts a stack under `dir`; null after a failure or skip was recorded.
std::unique_ptr<cluster::stack::RealStack> start_stack_or_report(const std::filesystem::path& dir);

// The first column of the first row of `sql` ("" for no rows), through
// libpq with `conninfo`.
Result<std::string> query_value(const std::string& conninfo, const std::string& sql);

}  // namespace cafe::test
