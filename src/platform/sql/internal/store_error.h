// The one place a backend failure becomes the Error a caller sees. Callers
// (and through them clients) get the code and a generic detail; the
// backend's own words — which can name hosts, users, tables and SQLSTATE
// messages — are logged ("store_error") with the statement, never returned.
#pragma once

#include "platform/core/error.h"

#include <string_view>

namespace cafe::sql::internal {

struct StoreFailure {
  ErrorCode code = ErrorCode::kInternal;
  std::string_view backend{};    // "sqlite" or "postgres"
  std::string_view message{};    // the backend's text: logged only
  std::string_view sqlstate{};   // PostgreSQL's code, when there is one
  std::string_view statement{};  // the SQL text (never parameter values)
};

// Logs the failure and returns the caller's Error: kUnavailable carries
// retry_after_seconds = 1.
Error store_error(const StoreFailure& failure);

// "the store is unavailable", "the store refused the statement", ...
std::string_view generic_detail(ErrorCode code) noexcept;

// kDeadlineExceeded with the generic detail, not logged: the caller's
// budget ran out, which its own logs already tell.
Error deadline_error();

}  // namespace cafe::sql::internal
