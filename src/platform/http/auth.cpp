#include "platform/http/auth.h"

namespace cafe::http {

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  // Walk the longer input fully so the time does not reveal the length of a
  // matching prefix; the length difference itself is folded into the result.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

Result<void> AdminAuth::check(std::optional<std::string_view> header) const {
  if (!token_) {
    return Error::make(ErrorCode::kUnauthenticated,
                       "admin routes are disabled: no admin token is configured "
                       "(set CLOUDCAFE_ADMIN_TOKEN or admin.token_file)");
  }
  if (!header)
    return Error::make(ErrorCode::kUnauthenticated, "admin route: send Authorization: Bearer <token>");
  constexpr std::string_view kScheme = "Bearer ";
  if (header->size() <= kScheme.size() || header->substr(0, kScheme.size()) != kScheme) {
    return Error::make(ErrorCode::kUnauthenticated, "admin route: the Authorization scheme must be Bearer");
  }
  if (!constant_time_equals(header->substr(kScheme.size()), *token_)) {
    return Error::make(ErrorCode::kPermissionDenied, "admin route: the token is not valid");
  }
  return {};
}

}  // namespace cafe::http
