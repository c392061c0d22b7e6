#include "platform/http/path.h"

#include <vector>

namespace cafe::http {
int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {

Error bad_path(std::string detail) {
  return Error::invalid("invalid request path: " + std::move(detail));
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    unsigned int cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

std::string encode_path(std::string_view decoded) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded.size());
  for (const char c : decoded) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '!' || c == '$' || c == '&' ||
                       c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' ||
                       c == '=' || c == ':' || c == '@' || c == '/';
    if (plain) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

Result<TargetParts> split_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return bad_path("the target must start with '/'");
  const auto q = target.find('?');
  if (q == std::string_view::npos) return TargetParts{target, {}};
  return TargetParts{target.substr(0, q), target.substr(q + 1)};
}

namespace {

// True when `raw` is already its own normal form: printable ASCII without
// '%' or '\\', no empty, "." or ".." segment, no trailing slash (but "/"),
// within the segment limit. Most request paths are; they are copied as
// they are, without decoding and splitting.
bool is_normal(std::string_view raw) {
  std::size_t segments = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c <= 0x20 || c >= 0x7F || c == '%' || c == '\\') return false;
    if (c != '/') continue;
    // A segment starts after this slash: it must be non-empty and not a dot segment.
    const std::string_view rest = raw.substr(i + 1);
    if (rest.empty()) return raw.size() == 1;
    if (rest.front() == '/' || rest == "." || rest == ".." || rest.starts_with("./") ||
        rest.starts_with("../")) {
      return false;
    }
    if (++segments > kMaxPathSegments) return false;
  }
  return true;
}

}  // namespace

Result<std::string> normalize_path(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return bad_path("the path must start with '/'");
  if (raw.size() > kMaxPathBytes) return bad_path("longer than " + std::to_string(kMaxPathBytes) + " bytes");
  if (is_normal(raw)) return std::string(raw);

  std::string decoded;
  decoded.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return bad_path("truncated percent-escape");
      const int hi = hex_digit_value(raw[i + 1]);
      const int lo = hex_digit_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return bad_path("malformed percent-escape");
      decoded.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      decoded.push_back(c);
    }
  }
  for (const char c : decoded) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return bad_path("control character");
    if (c == '\\') return bad_path("backslash");
  }
  if (!is_valid_utf8(decoded)) return bad_path("not valid UTF-8");

  std::vector<std::string_view> segments;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
    if (segments.size() > kMaxPathSegments) return bad_path("too many segments");
  }
  std::string out;
  out.reserve(decoded.size());
  for (const auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty()) out = "/";
  return out;
}

}  // namespace cafe::http
