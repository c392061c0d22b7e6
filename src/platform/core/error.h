// One error type for domain and store code. The code says what a caller
// should do next (absl::Status style): retry the call, retry the whole
// transaction, or not retry at all. It is mapped to HTTP once, in
// platform/http/problem.h, and to CLI messages once, in main.cpp.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cafe {

enum class ErrorCode {
  kInvalidArgument,     // 400: the input is wrong; do not retry
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kConflict,            // 409: state conflict (duplicate key, illegal transition)
  kFailedPrecondition,  // 422: a business rule refuses it; do not retry
  kPayloadTooLarge,     // 413
  kResourceExhausted,   // 429: throttled; retry later
  kAborted,             // 409 + Retry-After: retry the whole transaction
  kUnavailable,         // 503: a dependency is down; retry the call
  kDeadlineExceeded,    // 504: took too long; retry the call if idempotent
  kInternal,            // 500: a bug; no internal text leaves the process
};

enum class RetryAdvice { kRetryCall, kRetryTransaction, kDoNotRetry };

RetryAdvice retry_advice(ErrorCode code) noexcept;
const char* to_string(ErrorCode code) noexcept;

// A validation failure of one field: the JSON pointer-ish path and why.
struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;              // safe to show to a client
  std::vector<FieldError> fields;  // non-empty only for kInvalidArgument
  int retry_after_seconds = 0;     // > 0 adds Retry-After where it applies

  static Error invalid(std::string detail, std::vector<FieldError> fields = {}) {
    return {ErrorCode::kInvalidArgument, std::move(detail), std::move(fields), 0};
  }
  static Error not_found(std::string detail) { return {ErrorCode::kNotFound, std::move(detail), {}, 0}; }
  static Error conflict(std::string detail) { return {ErrorCode::kConflict, std::move(detail), {}, 0}; }
  static Error unavailable(std::string detail, int retry_after = 1) {
    return {ErrorCode::kUnavailable, std::move(detail), {}, retry_after};
  }
  static Error internal(std::string detail) { return {ErrorCode::kInternal, std::move(detail), {}, 0}; }
  static Error make(ErrorCode code, std::string detail) { return {code, std::move(detail), {}, 0}; }
};

// boost::system::result throws through this when value() is called on an
// error; code that does so has already decided an error is a bug.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

// Shorthand for `return Fail(Error::...)` inside functions returning Result.
inline boost::system::result<void, Error> ok() {
  return {};
}

}  // namespace cafe
