#include "platform/core/time.h"

#include <cstdio>
#include <ctime>

namespace cafe {

std::string to_rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

namespace {

// Reads `count` decimal digits at `at`; -1 when any is not a digit.
int digits(std::string_view s, std::size_t at, std::size_t count) {
  int n = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  // "2026-11-25T08:50:01Z" is the shortest form.
  if (s.size() < 20 || s.size() > 30) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s.back() != 'Z')
    return std::nullopt;
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  microseconds fraction{0};
  const std::string_view rest = s.substr(19, s.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 10) return std::nullopt;
    long long scaled = 0;
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
      if (i <= 6) scaled = scaled * 10 + (rest[i] - '0');
    }
    for (std::size_t i = rest.size(); i <= 6; ++i) scaled *= 10;
    fraction = microseconds(scaled);
  }
  // In microseconds, which reach any four-digit year; the system clock's
  // nanoseconds end in 2262, so later (and much earlier) instants are refused.
  const sys_time<microseconds> at = sys_days(date) + hours(h) + minutes(mi) + seconds(sec) + fraction;
  if (at > time_point_cast<microseconds>(system_clock::time_point::max()) ||
      at < time_point_cast<microseconds>(system_clock::time_point::min()))
    return std::nullopt;
  return time_point_cast<system_clock::duration>(at);
}

}  // namespace cafe
