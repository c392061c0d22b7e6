// Time-ordered identifiers (UUIDv7, RFC 9562) and request/trace ids.
#pragma once

#include <string>
#include <string_view>

namespace cafe {

// A UUIDv7 string ("0192f0c5-...") from the system clock and a thread-local
// random generator: sortable by creation time, unique across processes.
std::string new_uuid_v7();

// 16 random bytes as 32 lowercase hex digits (W3C trace-id), and 8 bytes as
// 16 (span-id). Never all zeros.
std::string new_trace_id();
std::string new_span_id();

bool is_lower_hex(std::string_view s) noexcept;

}  // namespace cafe
