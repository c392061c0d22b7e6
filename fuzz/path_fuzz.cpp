// Fuzzes request-target handling: split_target, normalize_path and route
// matching against a fixed table. Invariants of a normalised path: it
// starts with '/', has no empty, "." or ".." segments, no control
// characters or backslash, is valid UTF-8, and normalising it again (when
// it holds no '%' left to decode) changes nothing.
#include "platform/http/path.h"
#include "platform/http/path_matcher.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kTemplates[] = {
    "/",
    "/api/menu",
    "/api/menu/**",
    "/api/menu/items/{item_id}",
    "/api/stores",
    "/api/stores/**",
    "/api/stores/{store_id}",
    "/api/stores/{store_id}/queue",
    "/api/loyalty/{customer_id}",
    "/api/loyalty/points/{customer_id}",
    "/api/loyalty/stats/tiers",
    "/admin/faults",
    "/admin/faults/{fault_id}",
    "/health/live",
};

const cafe::http::PathMatcher& matcher() {
  static const cafe::http::PathMatcher m = [] {
    cafe::http::PathMatcher built;
    for (auto t : kTemplates) {
      if (!built.add(t)) std::abort();
    }
    return built;
  }();
  return m;
}

void check_normalized(std::string_view p) {
  check(!p.empty() && p.front() == '/');
  check(p.size() == 1 || p.back() != '/');
  check(p.find("//") == std::string_view::npos);
  check(p.find("/./") == std::string_view::npos && !p.ends_with("/."));
  check(p.find("/../") == std::string_view::npos && !p.ends_with("/.."));
  check(p.find('\\') == std::string_view::npos);
  for (const char c : p) {
    const auto u = static_cast<unsigned char>(c);
    check(u >= 0x20 && u != 0x7F);
  }
  check(cafe::http::is_valid_utf8(p));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  cafe::http::is_valid_utf8(target);

  auto parts = cafe::http::split_target(target);
  if (!parts) return 0;
  check(parts->path.size() + (parts->query.empty() ? 0 : parts->query.size() + 1) <= target.size());
  check(parts->path.find('?') == std::string_view::npos);

  auto normalized = cafe::http::normalize_path(parts->path);
  if (!normalized) {
    check(normalized.error().code == cafe::ErrorCode::kInvalidArgument);
    return 0;
  }
  const std::string& p = *normalized;
  check_normalized(p);
  check(p.size() <= parts->path.size());
  if (p.find('%') == std::string::npos) {
    auto again = cafe::http::normalize_path(p);
    check(again && *again == p);
  }

  if (auto found = matcher().match(p)) {
    check(found->id < matcher().size());
    for (const auto& [name, value] : found->params.values) {
      check(!name.empty());
      check(!value.empty() && value.find('/') == std::string::npos);
    }
  }
  return 0;
}
