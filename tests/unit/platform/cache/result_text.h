// Test helper: cache results as text, so EXPECT_EQ can compare and print
// them (cafe::Error has neither == nor <<). Binary values are compared
// directly by the tests that use them.
#pragma once

#include "platform/core/error.h"

#include <optional>
#include <string>

namespace cafe::cache::testing {

inline constexpr const char* kMiss = "<miss>";

inline std::string error_text(const Error& e) {
  return std::string("<") + to_string(e.code) + ": " + e.detail + ">";
}

inline std::string text(const Result<std::optional<std::string>>& r) {
  if (!r) return error_text(r.error());
  return r->has_value() ? **r : kMiss;
}

inline std::string text(const Result<std::string>& r) {
  return r ? *r : error_text(r.error());
}

inline std::string text(const Result<void>& r) {
  return r ? "<ok>" : error_text(r.error());
}

}  // namespace cafe::cache::testing
