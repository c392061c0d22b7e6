// Request ids and W3C trace context. Incoming values are validated and
// replaced when malformed, so logs and downstream services never carry
// attacker-chosen text of arbitrary length.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cafe::http {

// 1..128 characters of [A-Za-z0-9._:-].
bool is_valid_request_id(std::string_view id) noexcept;

struct TraceParent {
  std::string trace_id;   // 32 lowercase hex, not all zero
  std::string parent_id;  // 16 lowercase hex, not all zero
  std::string flags;      // 2 lowercase hex
};

// Parses "00-<trace-id>-<parent-id>-<flags>"; nullopt when malformed.
std::optional<TraceParent> parse_traceparent(std::string_view header) noexcept;
std::string format_traceparent(std::string_view trace_id, std::string_view span_id,
                               std::string_view flags = "01");

}  // namespace cafe::http
