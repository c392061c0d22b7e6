// Fuzzes the POST /admin/faults body parser. An accepted fault must be one
// the registry can hold: a known kind, a valid target, a probability in
// (0, 1], an expiry within the hour, bounded latency and an error status.
#include "platform/http/fault_routes.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono_literals;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point{} + 1'000'000s;
  auto fault = cafe::http::parse_fault_request(body, now);
  if (!fault) {
    check(fault.error().code == cafe::ErrorCode::kInvalidArgument ||
          fault.error().code == cafe::ErrorCode::kPayloadTooLarge);
    check(fault.error().fields.size() <= 50);
    return 0;
  }
  check(fault->target == "route:*" || fault->target.starts_with("route:/") ||
        (fault->target.starts_with("dependency:") && fault->target.size() > 11));
  check(fault->target.size() <= 256);
  check(fault->probability > 0.0 && fault->probability <= 1.0);
  check(fault->expires_at > now && fault->expires_at <= now + cafe::faults::kMaxFaultDuration);
  check(fault->latency >= 0ms && fault->latency <= 600'000ms);
  check(fault->status >= 400 && fault->status <= 599);
  if (fault->kind == cafe::faults::Kind::kLatency || fault->kind == cafe::faults::Kind::kTimeout) {
    check(body.find("latency_ms") != std::string_view::npos);
  }
  // What the parser accepts, the registry must take.
  cafe::faults::Registry registry;
  check(registry.add(*fault, now).has_value());
  return 0;
}
