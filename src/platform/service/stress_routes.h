// The stress runner's admin API, on every service (API.md, "Stress
// scenarios"; every route needs the admin token):
//   GET    /admin/stress          the scenarios and the threads a run uses
//   POST   /admin/stress/{name}   {duration_seconds?, target_cpu?} -> 202 and
//                                 the run's progress; 409 while a run is in progress
//   GET    /admin/stress/{name}   progress of the current or last run
//   DELETE /admin/stress/{name}   stops the run; its progress
// plus each scenario's compatibility path (POST, with and without /api),
// answering 200 {status: "stress_started", scenario, duration_seconds,
// target_cpu} as the reference did.
#pragma once

#include "platform/core/error.h"
#include "platform/http/router.h"
#include "platform/service/stress_runner.h"

#include <string_view>

namespace cafe::service {

Result<void> add_stress_routes(http::Router& router, StressRunner& runner);

// A POST body: empty or `{}` gives the scenario's defaults; duration_seconds
// 1-600 and target_cpu 1-100, unknown fields rejected, every bad field
// reported (pure; fuzzable).
Result<StressRequest> parse_stress_request(std::string_view body, const StressScenario& scenario);

}  // namespace cafe::service
