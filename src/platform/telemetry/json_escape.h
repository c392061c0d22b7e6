// JSON string escaping for log lines: quotes, backslashes and control
// characters are escaped, and bytes that are not valid UTF-8 become U+FFFD,
// so every line is valid JSON whatever a client sent.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace cafe::telemetry {

// Appends `text` as a quoted JSON string. Input beyond `max_bytes` is cut
// (at a character boundary) and marked with a trailing "...".
void append_json_string(std::string& out, std::string_view text,
                        std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace cafe::telemetry
