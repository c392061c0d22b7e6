#include "platform/sql/internal/pg_connection.h"

#include "platform/sql/internal/sql_text.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace cafe::sql::internal {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat; stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Value column_value(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col) != 0) return Null{};
  const char* text = PQgetvalue(res, row, col);
  const std::string_view s(text, static_cast<std::size_t>(PQgetlength(res, row, col)));
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t n = 0;
      std::from_chars(s.data(), s.data() + s.size(), n);
      return n;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      // strtod reads "NaN" and "Infinity" as PostgreSQL prints them.
      return std::strtod(text, nullptr);
    case kBoolOid:
      return std::int64_t{s == "t" ? 1 : 0};
    default:
      return std::string(s);
  }
}

Rows to_rows(const PGresult* res) {
  Rows out;
  const int columns = PQnfields(res);
  const int rows = PQntuples(res);
  out.columns.reserve(static_cast<std::size_t>(columns));
  for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(res, c));
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) row.push_back(column_value(res, r, c));
  }
  // PQcmdTuples also counts a SELECT's rows; the contract counts changes.
  const std::string_view tag = PQcmdStatus(const_cast<PGresult*>(res));
  if (!tag.starts_with("SELECT")) out.affected = std::atoll(PQcmdTuples(const_cast<PGresult*>(res)));
  return out;
}

std::string format_real(double d) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;  // shortest text that reads back exactly
  return std::string(buf, end);
}

}  // namespace

ErrorCode pg_error_code(std::string_view sqlstate) noexcept {
  if (sqlstate == "40001" || sqlstate == "40P01") return ErrorCode::kAborted;
  if (sqlstate == "57014") return ErrorCode::kDeadlineExceeded;
  if (sqlstate.starts_with("23")) return ErrorCode::kConflict;
  if (sqlstate.starts_with("08") || sqlstate.starts_with("57P")) return ErrorCode::kUnavailable;
  return ErrorCode::kInternal;
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const PgSettings& s) {
  // libpq's connect_timeout is in whole seconds; round up so that a
  // sub-second setting never means "no timeout" (0).
  const auto connect_seconds =
      std::to_string(std::max<long long>(1, (s.connect_timeout.count() + 999) / 1000));
  const auto tcp_user_timeout = std::to_string(s.tcp_user_timeout.count());
  const auto options = "-c statement_timeout=" + std::to_string(s.statement_timeout.count());
  // "dbname" is expanded as a connection string; the keywords after it
  // override whatever it says about the same settings.
  const char* keywords[] = {"dbname",           "connect_timeout", "keepalives",       "keepalives_idle",
                            "tcp_user_timeout", "options",         "application_name", nullptr};
  const char* values[] = {s.conninfo.c_str(),       connect_seconds.c_str(), "1",         "10",
                          tcp_user_timeout.c_str(), options.c_str(),         "cloudcafe", nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, 1);
  if (conn == nullptr) return Error::unavailable("postgres: out of memory while connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = Error::unavailable("postgres: " + trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return e;
  }
  // NOTICEs ("relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

bool PgConnection::broken() const noexcept {
  return PQstatus(conn_) != CONNECTION_OK;
}

namespace {

Error error_from(pg_conn* conn, const PGresult* res) {
  if (PQstatus(conn) != CONNECTION_OK || res == nullptr) {
    return Error::unavailable("postgres: connection lost: " + trimmed(PQerrorMessage(conn)));
  }
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state == nullptr ? "" : state;
  const ErrorCode code = pg_error_code(sqlstate);
  if (code == ErrorCode::kConflict) {
    // Error::detail reaches clients: say what happened, not the schema.
    return Error::conflict("the write conflicts with data already stored (SQLSTATE " + sqlstate + ")");
  }
  return Error::make(code, "postgres " + sqlstate + ": " + trimmed(PQresultErrorMessage(res)));
}

bool succeeded(const PGresult* res) {
  if (res == nullptr) return false;
  const auto status = PQresultStatus(res);
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

}  // namespace

Result<Rows> PgConnection::execute(std::string_view sql, std::span<const Value> params) {
  const NumberedSql numbered = number_placeholders(sql);
  // Checked here: a mismatch reported by the server is a protocol error
  // (08P01) that would read as a lost connection.
  if (numbered.count != params.size()) {
    return Error::internal("statement takes " + std::to_string(numbered.count) + " parameters, got " +
                           std::to_string(params.size()));
  }
  std::vector<std::string> texts(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  std::vector<Oid> types(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Value& v = params[i];
    if (const auto* n = std::get_if<std::int64_t>(&v)) {
      texts[i] = std::to_string(*n);
      types[i] = kInt8Oid;
    } else if (const auto* d = std::get_if<double>(&v)) {
      texts[i] = format_real(*d);
      types[i] = kFloat8Oid;
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      values[i] = s->c_str();  // params outlive the call
      continue;
    } else {
      continue;  // NULL: values[i] stays nullptr
    }
    values[i] = texts[i].c_str();
  }
  ResultPtr res(PQexecParams(conn_, numbered.text.c_str(), static_cast<int>(params.size()), types.data(),
                             values.data(), nullptr, nullptr, 0));
  if (!succeeded(res.get())) return fail(res.get());
  return to_rows(res.get());
}

Result<void> PgConnection::exec_script(const std::string& sql) {
  ResultPtr res(PQexec(conn_, sql.c_str()));
  if (!succeeded(res.get())) return fail(res.get());
  return ok();
}

Error PgConnection::fail(const pg_result* result) {
  Error e = error_from(conn_, result);
  if (e.code == ErrorCode::kUnavailable) poisoned_ = true;
  return e;
}

}  // namespace cafe::sql::internal
