#include "platform/sql/internal/store_error.h"

#include "platform/telemetry/log.h"

#include <algorithm>
#include <string>

namespace cafe::sql::internal {
namespace {

// Long statements (migrations) are cut in the log; the start names them.
constexpr std::size_t kStatementLogBytes = 300;

telemetry::Level level_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kConflict:
    case ErrorCode::kAborted:
      return telemetry::Level::kDebug;  // expected outcomes the caller handles
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return telemetry::Level::kWarn;
    default:
      return telemetry::Level::kError;  // a statement the store refused is a bug
  }
}

}  // namespace

std::string_view generic_detail(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kUnavailable:
      return "the store is unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "the store did not answer in time";
    case ErrorCode::kAborted:
      return "the transaction collided with a concurrent one; retry it";
    case ErrorCode::kConflict:
      return "the write conflicts with data already stored";
    default:
      return "the store refused the statement";
  }
}

Error store_error(const StoreFailure& f) {
  const std::string_view statement = f.statement.substr(0, std::min(f.statement.size(), kStatementLogBytes));
  telemetry::log(level_for(f.code), "store_error",
                 {{"backend", f.backend},
                  {"code", to_string(f.code)},
                  {"sqlstate", f.sqlstate},
                  {"message", f.message},
                  {"statement", statement}});
  Error e = Error::make(f.code, std::string(generic_detail(f.code)));
  if (f.code == ErrorCode::kUnavailable) e.retry_after_seconds = 1;
  return e;
}

Error deadline_error() {
  return Error::make(ErrorCode::kDeadlineExceeded, std::string(generic_detail(ErrorCode::kDeadlineExceeded)));
}

}  // namespace cafe::sql::internal
