#include "platform/http_client/client.h"

#include <charconv>

namespace cafe::http_client {

std::string Target::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out;
  out.reserve(host.size() + 8);
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

Result<Target> Target::parse(std::string_view host_port) {
  std::string_view host;
  std::string_view port;
  if (host_port.starts_with('[')) {
    const auto close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() || host_port[close + 1] != ':') {
      return Error::invalid("target must look like [v6-address]:port");
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    const auto colon = host_port.rfind(':');
    if (colon == std::string_view::npos) return Error::invalid("target must look like host:port");
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return Error::invalid("an IPv6 target needs brackets");
  }
  if (host.empty()) return Error::invalid("target host is empty");
  for (char c : host) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!allowed) return Error::invalid("target host has an invalid character");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || port.empty() || value == 0 || value > 65535) {
    return Error::invalid("target port must be 1-65535");
  }
  return Target{std::string(host), static_cast<std::uint16_t>(value)};
}

const char* to_string(Failure f) noexcept {
  switch (f) {
    case Failure::kNone:
      return "none";
    case Failure::kConnect:
      return "connect";
    case Failure::kBreakerOpen:
      return "breaker_open";
    case Failure::kPoolExhausted:
      return "pool_exhausted";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kReset:
      return "reset";
    case Failure::kProtocol:
      return "protocol";
    case Failure::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

}  // namespace cafe::http_client
