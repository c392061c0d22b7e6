#include "platform/sql/database.h"

namespace cafe::sql {
namespace {

const char* type_name(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "integer";
    case 2:
      return "real";
    default:
      return "text";
  }
}

Error mismatch(const char* wanted, const Value& v) {
  return Error::internal(std::string("column holds ") + type_name(v) + ", expected " + wanted);
}

}  // namespace

Result<std::int64_t> as_int(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return mismatch("integer", v);
}

Result<std::string> as_text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return mismatch("text", v);
}

Result<double> as_real(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  // Aggregates differ by backend (SQLite's SUM over integers is an integer,
  // PostgreSQL's is numeric), so a real accessor accepts an integer too.
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return mismatch("real", v);
}

bool is_null(const Value& v) noexcept {
  return std::holds_alternative<Null>(v);
}

}  // namespace cafe::sql
