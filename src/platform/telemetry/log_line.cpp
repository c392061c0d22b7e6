#include "platform/telemetry/log_line.h"

#include "platform/telemetry/json_escape.h"

#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>

namespace cafe::telemetry {
namespace {

// "2026-11-25T08:50:01.123Z". gmtime_r is the costly part, so each thread
// keeps the text of the last second it formatted.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point time) {
  using std::chrono::duration_cast;
  const auto since_epoch = duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::int64_t seconds = since_epoch / 1000;
  std::int64_t millis = since_epoch % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  // No millisecond count divides down to this, so it means "nothing cached".
  thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
  thread_local char cached_text[32] = {};
  thread_local std::size_t cached_length = 0;
  if (seconds != cached_second) {
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&t, &parts);
    cached_length = std::strftime(cached_text, sizeof cached_text, "%Y-%m-%dT%H:%M:%S", &parts);
    cached_second = seconds;
  }
  out.append(cached_text, cached_length);
  const char fraction[] = {'.', static_cast<char>('0' + millis / 100),
                           static_cast<char>('0' + millis / 10 % 10), static_cast<char>('0' + millis % 10),
                           'Z'};
  out.append(fraction, sizeof fraction);
}

void append_value(std::string& out, const LogValue& value) {
  char buffer[32];
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    append_json_string(out, *text, kMaxLogValueBytes);
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, *integer);
    out.append(buffer, error == std::errc{} ? end : buffer);
  } else if (const auto* number = std::get_if<double>(&value)) {
    if (!std::isfinite(*number)) {
      out += "null";
      return;
    }
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, *number);
    out.append(buffer, error == std::errc{} ? end : buffer);
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

}  // namespace

const char* to_string(Level level) noexcept {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string format_log_line(std::chrono::system_clock::time_point time, Level level,
                            const LogLineContext& context, std::string_view event,
                            std::initializer_list<LogField> fields) {
  std::string line;
  line.reserve(160 + event.size() + fields.size() * 32);
  line += "{\"ts\":\"";
  append_timestamp(line, time);
  line += "\",\"level\":\"";
  line += to_string(level);
  line += "\",\"service\":";
  append_json_string(line, context.service, kMaxLogValueBytes);
  line += ",\"replica\":";
  append_json_string(line, context.replica, kMaxLogValueBytes);
  line += ",\"event\":";
  append_json_string(line, event, kMaxLogValueBytes);
  for (const LogField& field : fields) {
    line += ',';
    append_json_string(line, field.key, kMaxLogValueBytes);
    line += ':';
    append_value(line, field.value);
  }
  line += "}\n";
  return line;
}

}  // namespace cafe::telemetry
