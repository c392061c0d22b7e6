// One libpq connection, used by one thread at a time. libpq stays behind
// this class: its header is included only by the .cpp.
//
// Every wait is bounded by a deadline: the connection runs in libpq's
// non-blocking mode and waits on its socket with poll(2) (pg_wait.h), on
// the calling pool thread. A statement whose result has not come by its
// deadline is left in flight (awaiting_result()): the caller answers
// kDeadlineExceeded at once and the pool's maintenance thread cancels the
// statement and collects what is owed before the connection is used again
// (pg_pool.h). Blocking PQexec would hold the thread for as long as a
// paused or blackholed server stays silent — keepalives and
// tcp_user_timeout do not help when the server's kernel still ACKs.
#pragma once

#include "platform/core/deadline.h"
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
  std::chrono::milliseconds connect_timeout{3000};  // per host
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds tcp_user_timeout{5000};
};

class PgConnection {
 public:
  // Tries each host the conninfo lists ("host=a,b port=1,2"), in order,
  // each bounded by connect_timeout (libpq's own target_session_attrs check
  // applies to each), until one accepts; gives up early when `wake_fd` is
  // signalled. Sessions start with statement_timeout set (the server-side
  // backstop) and keepalives, tcp_user_timeout and
  // client_connection_check_interval bounding a dead peer either way. A
  // failure is kUnavailable; libpq's text (hosts, users) is logged only.
  // Host names are resolved before the connect is bounded (libpq resolves
  // synchronously); use addresses where that matters.
  static Result<std::unique_ptr<PgConnection>> connect(const PgSettings& settings, int wake_fd = -1);

  // A second session on the server `peer` is connected to, whatever its
  // role (for cancelling `peer`'s statement), by `deadline`.
  static Result<std::unique_ptr<PgConnection>> connect_beside(const PgSettings& settings,
                                                              const PgConnection& peer, Deadline deadline,
                                                              int wake_fd = -1);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with `?` placeholders, sent with PQsendQueryParams in text
  // format. Integers are typed int8 and reals float8; text and NULL are left
  // for the server to infer. Not sent once the deadline has passed.
  Result<Rows> execute(std::string_view sql, std::span<const Value> params, Deadline deadline);

  // One or more statements without parameters (migrations, BEGIN/ROLLBACK).
  Result<void> exec_script(const std::string& sql, Deadline deadline);

  // COMMIT. A transaction the server had already aborted answers ROLLBACK
  // to it, which is reported (kAborted), never taken for a commit.
  Result<void> commit(Deadline deadline);

  // True once the session must be discarded: the connection is lost, the
  // server said so (shutdown, a read-only server), or a statement was cut
  // off half-sent.
  bool broken() const noexcept;
  // A statement was left running at its deadline; its result is still owed.
  bool awaiting_result() const noexcept { return awaiting_; }
  bool in_transaction() const noexcept;
  // Ready for the next caller: not broken, nothing owed, no transaction open.
  bool reusable() const noexcept;

  // Waits (by `deadline`, or until `wake_fd`) for the rest of a statement
  // left running at its deadline and discards it. True when nothing more
  // is owed.
  bool discard_abandoned_result(Deadline deadline, int wake_fd = -1);

  int backend_pid() const noexcept;

 private:
  struct ResultDeleter {
    void operator()(pg_result* r) const noexcept;
  };
  using ResultPtr = std::unique_ptr<pg_result, ResultDeleter>;

  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // Flushes what `sent` (the PQsend* outcome) queued and collects every
  // result by `deadline`: the first error wins, else the last result.
  Result<ResultPtr> round_trip(int sent, Deadline deadline, std::string_view statement);
  Error fail(const pg_result* result, std::string_view statement);

  pg_conn* conn_;
  // Set by an error that leaves the session unusable even when libpq still
  // reports it open (a protocol error, the server shutting down).
  bool poisoned_ = false;
  bool awaiting_ = false;
};

// Maps a SQLSTATE to the caller's next step: 40001/40P01 (serialisation,
// deadlock) and 55P03 (lock not available) -> kAborted, class 23 ->
// kConflict; class 08, 53 (out of resources), server shutdown (57P0x) and
// 25006 (a read-only server: it was demoted, reconnect to the primary) ->
// kUnavailable; 57014 (cancelled, statement timeout) -> kDeadlineExceeded;
// else kInternal.
ErrorCode pg_error_code(std::string_view sqlstate) noexcept;

}  // namespace cafe::sql::internal
