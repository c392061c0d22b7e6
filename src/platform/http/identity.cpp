#include "platform/http/identity.h"

#include "platform/core/ids.h"

namespace cafe::http {

bool is_valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<TraceParent> parse_traceparent(std::string_view h) noexcept {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55
  if (h.size() != 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const auto version = h.substr(0, 2);
  const auto trace = h.substr(3, 32);
  const auto parent = h.substr(36, 16);
  const auto flags = h.substr(53, 2);
  if (version != "00") return std::nullopt;
  if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(flags)) return std::nullopt;
  if (trace == std::string_view("00000000000000000000000000000000")) return std::nullopt;
  if (parent == std::string_view("0000000000000000")) return std::nullopt;
  return TraceParent{std::string(trace), std::string(parent), std::string(flags)};
}

std::string format_traceparent(std::string_view trace_id, std::string_view span_id, std::string_view flags) {
  std::string out;
  out.reserve(6 + trace_id.size() + span_id.size() + flags.size());
  out.append("00-").append(trace_id).append("-").append(span_id).append("-").append(flags);
  return out;
}

}  // namespace cafe::http
