// Wall-clock timestamps as RFC 3339 UTC strings (DESIGN §3).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cafe {

// "2026-11-25T08:50:01.123Z"
std::string to_rfc3339(std::chrono::system_clock::time_point t);
inline std::string now_rfc3339() {
  return to_rfc3339(std::chrono::system_clock::now());
}

// The instant a strict RFC 3339 UTC timestamp names:
// "YYYY-MM-DDTHH:MM:SS[.fraction]Z", an upper-case T and Z, a fraction of
// 1 to 9 digits (kept to the microsecond), a real calendar date. Nothing
// else: no offsets, no leap second, no lower case, no surrounding space,
// no instant the system clock cannot hold (after 2262 with nanoseconds).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace cafe
