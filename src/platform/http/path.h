// Request path normalisation. Routing, auth and the gateway all see the same
// canonical path, so `/api//menu`, `/api/./menu`, `/api/x/../menu` and
// `/api/%6Denu` are one resource and `..%2F` cannot smuggle a segment past a
// route template.
#pragma once

#include "platform/core/error.h"

#include <string>
#include <string_view>

namespace cafe::http {

inline constexpr std::size_t kMaxPathBytes = 2048;
inline constexpr std::size_t kMaxPathSegments = 64;

// Splits a request-target into its path and query (without '?'). A target
// that is not in origin-form ("/...") is an error.
struct TargetParts {
  std::string_view path;
  std::string_view query;
};
Result<TargetParts> split_target(std::string_view target);

// Percent-decodes, removes empty and "." segments, resolves ".." (never
// above the root), drops a trailing slash. Rejects malformed escapes,
// control characters, invalid UTF-8 and paths over the limits.
Result<std::string> normalize_path(std::string_view raw_path);

// Percent-encodes a normalised (decoded) path for the wire: every byte but
// unreserved characters, sub-delims, ':', '@' and the '/' separators, so a
// decoded "%3F" or space cannot become a query or break the request line
// when a proxy forwards the path.
std::string encode_path(std::string_view decoded_path);

// The value of one hexadecimal digit, or -1 (for percent-escapes).
int hex_digit_value(char c) noexcept;

// True when `s` is well-formed UTF-8 (no overlongs or surrogates).
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace cafe::http
