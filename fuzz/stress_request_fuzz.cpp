// Fuzzes the POST /admin/stress/{name} body parser. An accepted request is
// always within the runner's bounds; a refused one is the client's error.
#include "platform/service/stress_routes.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  cafe::service::StressScenario scenario;
  scenario.name = "menu-sync";
  scenario.default_duration_seconds = 180;
  scenario.default_target_cpu = 70;
  auto request = cafe::service::parse_stress_request(body, scenario);
  if (!request) {
    check(request.error().code == cafe::ErrorCode::kInvalidArgument ||
          request.error().code == cafe::ErrorCode::kPayloadTooLarge);
    check(request.error().fields.size() <= 50);
    return 0;
  }
  check(request->duration_seconds >= 1 &&
        request->duration_seconds <= cafe::service::StressRunner::kMaxDurationSeconds);
  check(request->target_cpu >= 1 && request->target_cpu <= 100);
  return 0;
}
