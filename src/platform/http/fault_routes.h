// The admin API of the fault registry, on every service:
//   GET    /admin/faults        live faults
//   POST   /admin/faults        {kind, target, duration_seconds, probability?, latency_ms?, status?}
//   DELETE /admin/faults/{id}   remove one
//   DELETE /admin/faults        remove all
#pragma once

#include "platform/core/error.h"
#include "platform/faults/fault.h"
#include "platform/http/router.h"

#include <string_view>

namespace cafe::http {

Result<void> add_fault_routes(Router& router, faults::Registry& registry);

// Parses and validates a POST /admin/faults body (pure; fuzzed).
Result<faults::Fault> parse_fault_request(std::string_view body, std::chrono::system_clock::time_point now);

}  // namespace cafe::http
