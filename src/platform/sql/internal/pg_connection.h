// One synchronous libpq connection, used by one pool thread at a time.
// libpq stays behind this class: its header is included only by the .cpp.
#pragma once

#include "platform/sql/database.h"

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct pg_conn;
struct pg_result;

namespace cafe::sql::internal {

struct PgSettings {
  std::string conninfo;
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds tcp_user_timeout{5000};
};

class PgConnection {
 public:
  // Connects with the deadlines applied: connect_timeout bounds the
  // connect, statement_timeout (sent as a startup option) bounds every
  // statement on the server, keepalives and tcp_user_timeout bound a dead
  // peer. A failure is kUnavailable.
  static Result<std::unique_ptr<PgConnection>> connect(const PgSettings& settings);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with `?` placeholders, sent with PQexecParams in text
  // format. Integers are typed int8 and reals float8; text and NULL are left
  // for the server to infer.
  Result<Rows> execute(std::string_view sql, std::span<const Value> params);

  // One or more statements without parameters (migrations, BEGIN/COMMIT).
  Result<void> exec_script(const std::string& sql);

  // True once the connection is lost; the owner reconnects before reuse.
  bool broken() const noexcept;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  Error fail(const pg_result* result);

  pg_conn* conn_;
  // Set by an error that leaves the session unusable even when libpq still
  // reports it open (a protocol error, the server shutting down).
  bool poisoned_ = false;
};

// Maps a SQLSTATE to the caller's next step: 40001/40P01 -> kAborted,
// class 23 -> kConflict, class 08 and server shutdown (57P0x) ->
// kUnavailable, 57014 (statement timeout) -> kDeadlineExceeded, else
// kInternal.
ErrorCode pg_error_code(std::string_view sqlstate) noexcept;

}  // namespace cafe::sql::internal
