// Admin authorisation: a bearer token compared in constant time. With no
// token configured, admin routes answer 401 — never open (DESIGN §3).
#pragma once

#include "platform/core/error.h"

#include <optional>
#include <string>
#include <string_view>

namespace cafe::http {

class AdminAuth {
 public:
  explicit AdminAuth(std::optional<std::string> token) : token_(std::move(token)) {}

  // kUnauthenticated without a usable credential, kPermissionDenied for a
  // wrong one.
  Result<void> check(std::optional<std::string_view> authorization_header) const;

  bool configured() const noexcept { return token_.has_value(); }

 private:
  std::optional<std::string> token_;
};

// Equal-length-independent, data-independent comparison.
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace cafe::http
