// Feeds arbitrary bytes to the readable form of a log line that
// `cloudcafe logs` prints. Nothing here may crash; a line that is not a JSON
// object comes back unchanged; an object's event is shown whole; one log line
// stays one line on the terminal.
#include "cluster/log_view.h"
#include "platform/json/body.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const std::string pretty = cafe::cluster::pretty_log_line(line);
  auto parsed = cafe::json::parse(line, {.max_depth = 16, .max_bytes = std::size_t{256} << 10});
  if (!parsed || !parsed->is_object()) {
    check(pretty == line);
    return 0;
  }
  // The event is what a reader scans for: shown whole (one in plain text;
  // control characters may rightly come back escaped).
  if (const auto* event = parsed->as_object().if_contains("event"); event && event->is_string()) {
    const std::string name(event->as_string());
    const bool plain = std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= 0x20; });
    if (plain) check(pretty.find(name) != std::string::npos);
  }
  // JSON escapes the control characters below 0x20, so a valid object has
  // none raw; the readable form must not bring them back (a newline forging
  // a second line, an ESC starting a terminal escape sequence).
  for (unsigned char c : pretty) check(c >= 0x20);
  return 0;
}
