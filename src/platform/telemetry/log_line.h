// One log line: a JSON object on one line,
//   {"ts":"2026-11-25T08:50:01.123Z","level":"info","service":"menu",
//    "replica":"menu-1","event":"order_placed","order_id":"...", ...}
// built on the caller's thread so the sink thread only writes bytes.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace cafe::telemetry {

enum class Level { kDebug, kInfo, kWarn, kError };

const char* to_string(Level level) noexcept;

using LogValue = std::variant<std::string_view, std::int64_t, double, bool>;

// A key and a value that refer to the caller's data: use within one log()
// call. Any integer or floating type is accepted (unsigned values above
// INT64_MAX wrap); strings are borrowed, not copied.
struct LogField {
  LogField(std::string_view field_key, std::string_view text) : key(field_key), value(text) {}
  LogField(std::string_view field_key, const char* text) : key(field_key), value(std::string_view(text)) {}
  LogField(std::string_view field_key, const std::string& text)
      : key(field_key), value(std::string_view(text)) {}
  LogField(std::string_view field_key, bool flag) : key(field_key), value(flag) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  LogField(std::string_view field_key, T number) : key(field_key), value(static_cast<std::int64_t>(number)) {}
  template <std::floating_point T>
  LogField(std::string_view field_key, T number) : key(field_key), value(static_cast<double>(number)) {}

  std::string_view key;
  LogValue value;
};

// Each string value (and the event) is cut after this many bytes, so one
// line stays bounded whatever a caller passes.
inline constexpr std::size_t kMaxLogValueBytes = 4096;

struct LogLineContext {
  std::string_view service;
  std::string_view replica;
};

// The line, ending in '\n'. Strings are escaped (invalid UTF-8 becomes
// U+FFFD); non-finite doubles are written as null. Fields come after the
// fixed keys, in the order given; a field that repeats a fixed key is not
// filtered.
std::string format_log_line(std::chrono::system_clock::time_point time, Level level,
                            const LogLineContext& context, std::string_view event,
                            std::initializer_list<LogField> fields);

}  // namespace cafe::telemetry
