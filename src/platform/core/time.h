// Wall-clock timestamps as RFC 3339 UTC strings (DESIGN §3).
#pragma once

#include <chrono>
#include <string>

namespace cafe {

// "2026-11-25T08:50:01.123Z"
std::string to_rfc3339(std::chrono::system_clock::time_point t);
inline std::string now_rfc3339() {
  return to_rfc3339(std::chrono::system_clock::now());
}

}  // namespace cafe
