// Fuzzes parse_event, the strict reader of the bus event envelope. What it
// refuses is kInvalidArgument with a bounded field list; what it accepts
// passes validate(), and survives to_json and back unchanged.
#include "platform/bus/event.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto event = cafe::bus::parse_event(text);
  if (!event) {
    check(event.error().code == cafe::ErrorCode::kInvalidArgument);
    check(!event.error().detail.empty());
    check(event.error().fields.size() <= 50);
    return 0;
  }
  check(cafe::bus::validate(*event).has_value());
  check(cafe::bus::is_event_id(event->event_id));
  check(cafe::bus::is_trace_id(event->trace_id));
  check(event->version >= 0);
  check(event->data.is_object());
  const std::string again = cafe::bus::to_json(*event);
  check(again.size() <= cafe::bus::kMaxEventBytes);
  auto reparsed = cafe::bus::parse_event(again);
  check(reparsed.has_value() && *reparsed == *event);
  return 0;
}
