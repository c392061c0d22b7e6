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

const Value* RowReader::next() {
  if (error_) return nullptr;
  if (index_ >= row_.size()) {
    error_ = Error::internal("row has " + std::to_string(row_.size()) + " columns; column " +
                             std::to_string(index_) + " was read");
    return nullptr;
  }
  return &row_[index_++];
}

std::int64_t RowReader::integer() {
  const Value* v = next();
  if (!v) return 0;
  auto i = as_int(*v);
  if (!i) {
    error_ = i.error();
    return 0;
  }
  return *i;
}

std::string RowReader::text() {
  const Value* v = next();
  if (!v) return {};
  auto t = as_text(*v);
  if (!t) {
    error_ = t.error();
    return {};
  }
  return std::move(*t);
}

std::optional<std::int64_t> RowReader::nullable_integer() {
  if (!error_ && index_ < row_.size() && is_null(row_[index_])) {
    ++index_;
    return std::nullopt;
  }
  return integer();
}

Result<void> RowReader::status() const {
  if (error_) return *error_;
  return {};
}

}  // namespace cafe::sql
