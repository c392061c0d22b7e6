#include "platform/sql/internal/pg_connection.h"

#include "platform/sql/internal/pg_wait.h"
#include "platform/sql/internal/sql_text.h"
#include "platform/sql/internal/store_error.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
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

bool succeeded(const PGresult* res) {
  if (res == nullptr) return false;
  const auto status = PQresultStatus(res);
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

// How often a backend running a statement checks that its client is still
// there (PostgreSQL 14+): a session dropped mid-statement stops within this
// rather than running on to statement_timeout.
constexpr int kClientCheckIntervalMs = 1000;

// One host of a multi-host conninfo.
struct HostTarget {
  std::string host;
  std::string hostaddr;
  std::string port;
};

std::vector<std::string> split_commas(const char* list) {
  std::vector<std::string> out;
  if (list == nullptr || *list == '\0') return out;
  std::string_view rest(list);
  for (;;) {
    const auto comma = rest.find(',');
    out.emplace_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

// The hosts a conninfo lists, one target each; empty when it lists one
// host or none (connect with the conninfo as it is), or when the lists do
// not line up (libpq then reports the mismatch).
std::vector<HostTarget> split_hosts(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return {};
  std::vector<std::string> hosts, addrs, ports;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string_view key = o->keyword;
    if (key == "host") hosts = split_commas(o->val);
    if (key == "hostaddr") addrs = split_commas(o->val);
    if (key == "port") ports = split_commas(o->val);
  }
  PQconninfoFree(options);
  const std::size_t n = std::max(hosts.size(), addrs.size());
  const auto lines_up = [n](const std::vector<std::string>& v) { return v.empty() || v.size() == n; };
  if (n <= 1 || !lines_up(hosts) || !lines_up(addrs) || !(lines_up(ports) || ports.size() == 1)) return {};
  std::vector<HostTarget> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!hosts.empty()) out[i].host = hosts[i];
    if (!addrs.empty()) out[i].hostaddr = addrs[i];
    if (!ports.empty()) out[i].port = ports.size() == 1 ? ports[0] : ports[i];
  }
  return out;
}

std::string trimmed_error(pg_conn* conn) {
  return trimmed(PQerrorMessage(conn));
}

struct ConnFinisher {
  void operator()(pg_conn* c) const noexcept { PQfinish(c); }
};

// One non-blocking connect attempt (PQconnectStartParams + PQconnectPoll)
// bounded by `deadline`. `target` narrows a multi-host conninfo to one
// host; `any_role` accepts a read-only server too.
Result<pg_conn*> connect_once(const PgSettings& s, const HostTarget* target, Deadline deadline, int wake_fd,
                              bool any_role) {
  const auto tcp_user_timeout = std::to_string(s.tcp_user_timeout.count());
  const auto options = "-c statement_timeout=" + std::to_string(s.statement_timeout.count()) +
                       " -c client_connection_check_interval=" + std::to_string(kClientCheckIntervalMs);
  // "dbname" is expanded as a connection string; the keywords after it
  // override whatever it says about the same settings (empty values do not).
  std::vector<const char*> keywords = {"dbname",           "keepalives", "keepalives_idle",
                                       "tcp_user_timeout", "options",    "application_name"};
  std::vector<const char*> values = {s.conninfo.c_str(), "1",        "10", tcp_user_timeout.c_str(),
                                     options.c_str(),    "cloudcafe"};
  if (target != nullptr) {
    for (const auto& [key, value] :
         {std::pair{"host", &target->host}, std::pair{"hostaddr", &target->hostaddr},
          std::pair{"port", &target->port}}) {
      if (value->empty()) continue;
      keywords.push_back(key);
      values.push_back(value->c_str());
    }
  }
  if (any_role) {
    keywords.push_back("target_session_attrs");
    values.push_back("any");
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  std::unique_ptr<pg_conn, ConnFinisher> conn(PQconnectStartParams(keywords.data(), values.data(), 1));
  const auto failed = [&](std::string why) {
    return store_error({.code = ErrorCode::kUnavailable,
                        .backend = "postgres",
                        .message = why,
                        .sqlstate = {},
                        .statement = {}});
  };
  if (!conn) return failed("out of memory while connecting");
  if (PQstatus(conn.get()) == CONNECTION_BAD) return failed(trimmed_error(conn.get()));
  // libpq's rule: start as if PQconnectPoll had asked to wait for writing.
  PostgresPollingStatusType polled = PGRES_POLLING_WRITING;
  while (polled != PGRES_POLLING_OK) {
    if (polled == PGRES_POLLING_FAILED) return failed(trimmed_error(conn.get()));
    const auto waited = wait_socket(PQsocket(conn.get()), polled == PGRES_POLLING_READING,
                                    polled == PGRES_POLLING_WRITING, deadline, wake_fd);
    if (waited == SocketWait::kTimedOut) return failed("timed out connecting: " + trimmed_error(conn.get()));
    if (waited == SocketWait::kWoken) return failed("connect abandoned: the pool is closing");
    if (waited == SocketWait::kFailed) return failed("poll failed while connecting");
    polled = PQconnectPoll(conn.get());
  }
  if (PQsetnonblocking(conn.get(), 1) != 0) return failed(trimmed_error(conn.get()));
  // NOTICEs ("relation already exists, skipping") would go to stderr.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn.release();
}

}  // namespace

ErrorCode pg_error_code(std::string_view sqlstate) noexcept {
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return ErrorCode::kAborted;
  if (sqlstate == "57014") return ErrorCode::kDeadlineExceeded;
  if (sqlstate == "25006") return ErrorCode::kUnavailable;
  if (sqlstate.starts_with("23")) return ErrorCode::kConflict;
  if (sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57P")) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}

void PgConnection::ResultDeleter::operator()(pg_result* r) const noexcept {
  PQclear(r);
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const PgSettings& settings, int wake_fd) {
  const std::vector<HostTarget> hosts = split_hosts(settings.conninfo);
  if (hosts.empty()) {
    auto conn = connect_once(settings, nullptr, Deadline::after(settings.connect_timeout), wake_fd, false);
    if (!conn) return conn.error();
    return std::unique_ptr<PgConnection>(new PgConnection(*conn));
  }
  Error last = Error::unavailable(std::string(generic_detail(ErrorCode::kUnavailable)));
  for (const HostTarget& host : hosts) {
    auto conn = connect_once(settings, &host, Deadline::after(settings.connect_timeout), wake_fd, false);
    if (conn) return std::unique_ptr<PgConnection>(new PgConnection(*conn));
    last = conn.error();
  }
  return last;
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect_beside(const PgSettings& settings,
                                                                   const PgConnection& peer,
                                                                   Deadline deadline, int wake_fd) {
  const char* host = PQhost(peer.conn_);
  const char* hostaddr = PQhostaddr(peer.conn_);
  const char* port = PQport(peer.conn_);
  const HostTarget target{host != nullptr ? host : "", hostaddr != nullptr ? hostaddr : "",
                          port != nullptr ? port : ""};
  auto conn = connect_once(settings, &target, deadline, wake_fd, true);
  if (!conn) return conn.error();
  return std::unique_ptr<PgConnection>(new PgConnection(*conn));
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

bool PgConnection::broken() const noexcept {
  return poisoned_ || PQstatus(conn_) != CONNECTION_OK;
}

bool PgConnection::in_transaction() const noexcept {
  const auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

bool PgConnection::reusable() const noexcept {
  return !broken() && !awaiting_ && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

int PgConnection::backend_pid() const noexcept {
  return PQbackendPID(conn_);
}

Error PgConnection::fail(const pg_result* result, std::string_view statement) {
  if (PQstatus(conn_) != CONNECTION_OK || result == nullptr) {
    poisoned_ = true;
    return store_error({.code = ErrorCode::kUnavailable,
                        .backend = "postgres",
                        .message = "connection lost: " + trimmed_error(conn_),
                        .sqlstate = {},
                        .statement = statement});
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state == nullptr ? "" : state;
  const ErrorCode code = pg_error_code(sqlstate);
  if (code == ErrorCode::kUnavailable) poisoned_ = true;
  return store_error({.code = code,
                      .backend = "postgres",
                      .message = trimmed(PQresultErrorMessage(result)),
                      .sqlstate = sqlstate,
                      .statement = statement});
}

Result<PgConnection::ResultPtr> PgConnection::round_trip(int sent, Deadline deadline,
                                                         std::string_view statement) {
  if (sent == 0) return fail(nullptr, statement);
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) return fail(nullptr, statement);
    // libpq's rule: while output is pending, wait for either direction and
    // read what arrives, or a server that is itself blocked writing stalls.
    const auto waited = wait_socket(PQsocket(conn_), true, true, deadline);
    if (waited == SocketWait::kTimedOut) {
      poisoned_ = true;  // half sent: nothing else can follow it on this session
      return deadline_error();
    }
    if (waited != SocketWait::kReady || PQconsumeInput(conn_) == 0) return fail(nullptr, statement);
  }
  ResultPtr outcome;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      const auto waited = wait_socket(PQsocket(conn_), true, false, deadline);
      if (waited == SocketWait::kTimedOut) {
        awaiting_ = true;
        return deadline_error();
      }
      if (waited != SocketWait::kReady || PQconsumeInput(conn_) == 0) return fail(nullptr, statement);
    }
    ResultPtr next(PQgetResult(conn_));
    if (!next) break;
    if (!outcome || succeeded(outcome.get())) outcome = std::move(next);
  }
  if (!outcome) {
    return store_error({.code = ErrorCode::kInternal,
                        .backend = "postgres",
                        .message = "a statement produced no result",
                        .sqlstate = {},
                        .statement = statement});
  }
  if (!succeeded(outcome.get())) return fail(outcome.get(), statement);
  return outcome;
}

Result<Rows> PgConnection::execute(std::string_view sql, std::span<const Value> params, Deadline deadline) {
  const NumberedSql numbered = number_placeholders(sql);
  // Checked here: a mismatch reported by the server is a protocol error
  // (08P01) that would read as a lost connection.
  if (numbered.count != params.size()) {
    return Error::internal("statement takes " + std::to_string(numbered.count) + " parameters, got " +
                           std::to_string(params.size()));
  }
  if (broken()) return fail(nullptr, sql);
  if (deadline.expired()) return deadline_error();
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
  const int sent = PQsendQueryParams(conn_, numbered.text.c_str(), static_cast<int>(params.size()),
                                     types.data(), values.data(), nullptr, nullptr, 0);
  auto res = round_trip(sent, deadline, sql);
  if (!res) return res.error();
  return to_rows(res->get());
}

Result<void> PgConnection::exec_script(const std::string& sql, Deadline deadline) {
  if (broken()) return fail(nullptr, sql);
  if (deadline.expired()) return deadline_error();
  auto res = round_trip(PQsendQuery(conn_, sql.c_str()), deadline, sql);
  if (!res) return res.error();
  return ok();
}

Result<void> PgConnection::commit(Deadline deadline) {
  if (broken()) return fail(nullptr, "COMMIT");
  if (deadline.expired()) return deadline_error();
  auto res = round_trip(PQsendQuery(conn_, "COMMIT"), deadline, "COMMIT");
  if (!res) return res.error();
  if (std::string_view(PQcmdStatus(res->get())) == "ROLLBACK") {
    return store_error({.code = ErrorCode::kAborted,
                        .backend = "postgres",
                        .message = "COMMIT answered ROLLBACK: the transaction had failed",
                        .sqlstate = {},
                        .statement = "COMMIT"});
  }
  return ok();
}

bool PgConnection::discard_abandoned_result(Deadline deadline, int wake_fd) {
  if (!awaiting_) return !broken();
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      if (wait_socket(PQsocket(conn_), true, false, deadline, wake_fd) != SocketWait::kReady) return false;
      if (PQconsumeInput(conn_) == 0) {
        poisoned_ = true;
        return false;
      }
    }
    ResultPtr next(PQgetResult(conn_));
    if (!next) break;
  }
  awaiting_ = false;
  return !broken();
}

}  // namespace cafe::sql::internal
