#include "platform/sql/internal/migrations.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace cafe::sql::internal {

Result<void> validate_migrations(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return Error::invalid("migration versions must start at 1 and strictly increase (saw " +
                            std::to_string(m.version) + " after " + std::to_string(previous) + ")");
    }
    previous = m.version;
  }
  return ok();
}

std::string utc_now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return buf;
}

}  // namespace cafe::sql::internal
