// Strict conversions of YAML scalar text. Stricter than yaml-cpp's as<T>():
// only `true`/`false` are booleans (not yes/no/on/off), numbers are decimal,
// and a quoted scalar is never converted (the callers check `quoted`).
#pragma once

#include "platform/config/document.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::config::internal {

// `"text"` with quotes and control characters escaped, cut after 60 bytes,
// for messages.
std::string quote(std::string_view text);

// What a message calls a node it did not expect: null, "text", a list, a mapping.
std::string describe(const Node& node);

std::optional<std::int64_t> parse_integer(std::string_view text);
std::optional<double> parse_number(std::string_view text);  // finite only
std::optional<bool> parse_bool(std::string_view text);
// "250ms", "2s", "1m", "1h", or a plain integer of milliseconds; not negative.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds value);

}  // namespace cafe::config::internal
