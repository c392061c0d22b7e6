// PostgreSQL-only behaviour: server-side deadlines, cancellation at the
// caller's deadline, a paused server, reconnecting after the server drops a
// session, and multi-host conninfo following the read-write server.
#include "conformance_fixture.h"

#include <boost/asio/detached.hpp>
#include <gmock/gmock.h>

#include <iostream>
#include <thread>
#include <unistd.h>

namespace cafe::sql::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class PostgresDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    static int next = 0;
    server_ = test::PostgresServer::start_or_skip();
    if (server_ == nullptr) return;
    dbname_ = "p" + std::to_string(getpid()) + "_" + std::to_string(next++);
    auto conninfo = server_->create_database(dbname_);
    ASSERT_TRUE(conninfo) << conninfo.error().detail;
    conninfo_ = *conninfo;
  }

  std::unique_ptr<Database> open(std::chrono::milliseconds statement_timeout = 5000ms) {
    return open_with({.conninfo = {}, .pool_size = 1, .statement_timeout = statement_timeout});
  }

  // `options` with this test's conninfo (unless it names one).
  std::unique_ptr<Database> open_with(PostgresOptions options) {
    if (options.conninfo.empty()) options.conninfo = conninfo_;
    auto db = open_postgres(options);
    EXPECT_TRUE(db) << db.error().detail;
    return db ? std::move(*db) : nullptr;
  }

  test::PostgresServer* server_ = nullptr;
  std::string dbname_;
  std::string conninfo_;
};

// Options for a server that stops answering: short timeouts so the test
// runs in a second or two, and no breaker unless the test asks for one.
PostgresOptions for_silence(StoreBreakerOptions breaker = {.failures_to_open = 0}) {
  return {.conninfo = {},
          .pool_size = 2,
          .connect_timeout = 500ms,
          // Short, so that 200 ms calls are a fair budget, which the breaker
          // counts when they time out.
          .default_deadline = 300ms,
          .reconnect_backoff_base = 20ms,
          .reconnect_backoff_cap = 200ms,
          .recover_timeout = 300ms,
          .breaker = breaker};
}

struct Outcome {
  std::optional<ErrorCode> failure;  // empty on success
  int retry_after = 0;
  Clock::duration took{};
  bool done = false;
};

asio::awaitable<void> timed_call(Database* db, bool transaction, Deadline deadline, Outcome* out) {
  const auto start = Clock::now();
  Result<void> r;
  if (transaction) {
    TransactionBody body = [](Transaction& t) -> Result<void> {
      if (auto u = t.execute("SELECT 1"); !u) return u.error();
      return ok();
    };
    auto op = db->transact(std::move(body), deadline);
    r = co_await std::move(op);
  } else {
    auto op = db->query("SELECT 1", {}, deadline);
    auto rows = co_await std::move(op);
    if (!rows) r = rows.error();
  }
  out->took = Clock::now() - start;
  if (!r) {
    out->failure = r.error().code;
    out->retry_after = r.error().retry_after_seconds;
  }
  out->done = true;
}

// Runs `calls` calls at once (half queries, half transactions), each with
// `budget`, and returns how each ended.
std::vector<Outcome> call_at_once(Database& db, int calls, std::chrono::milliseconds budget) {
  std::vector<Outcome> out(static_cast<std::size_t>(calls));
  asio::io_context ctx;
  for (int i = 0; i < calls; ++i) {
    asio::co_spawn(ctx,
                   timed_call(&db, i % 2 == 1, Deadline::after(budget), &out[static_cast<std::size_t>(i)]),
                   asio::detached);
  }
  ctx.run();
  return out;
}

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Polls until a call succeeds; returns how long that took, or nullopt.
std::optional<Clock::duration> until_served(Database& db, Clock::duration limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (run(db.query("SELECT 1", {}, Deadline::after(1s)))) return Clock::now() - start;
    std::this_thread::sleep_for(50ms);
  }
  return std::nullopt;
}

TEST_F(PostgresDatabase, StatementTimeoutIsDeadlineExceeded) {
  auto db = open(100ms);
  ASSERT_TRUE(db);
  const auto slow = run(db->query("SELECT pg_sleep(5)", {}));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(query(*db, "SELECT 1 AS one").size(), 1u);  // the connection survives
}

TEST_F(PostgresDatabase, AStatementRunningAtItsDeadlineIsCancelledAndItsSessionKept) {
  auto db = open();
  auto admin = open();
  ASSERT_TRUE(db && admin);
  const Rows before = query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(before.size(), 1u);

  const auto start = Clock::now();
  const auto slow = run(db->query("SELECT pg_sleep(30)", {}, Deadline::after(200ms, start)));
  const auto took = Clock::now() - start;
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_LT(took, 200ms + 200ms);
  std::cout << "[ figure ] statement past a 200 ms deadline answered in " << ms(took) << " ms\n";

  // The only session comes back once its cancelled statement is collected:
  // cancelled on the server, not dropped.
  const Rows after = query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after.rows[0][0], before.rows[0][0]);
  const Rows sleeping =
      query(*admin,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'");
  EXPECT_EQ(as_int(sleeping.rows.at(0).at(0)).value(), 0);
}

TEST_F(PostgresDatabase, APausedServerFailsCallersWithinTheirDeadline) {
  auto db = open_with(for_silence());
  ASSERT_TRUE(db);
  ASSERT_EQ(call_at_once(*db, 2, 2s)[0].failure, std::nullopt);  // both sessions up
  Clock::duration worst{};
  {
    test::PostgresServer::Paused paused(*server_);
    ASSERT_TRUE(paused.status()) << paused.status().error().detail;
    // Two waves, more calls than sessions: the first finds the sessions and
    // sends; the second finds them given up and being repaired.
    for (int wave = 0; wave < 2; ++wave) {
      for (const Outcome& o : call_at_once(*db, 6, 300ms)) {
        ASSERT_TRUE(o.done);
        ASSERT_TRUE(o.failure.has_value());
        EXPECT_TRUE(*o.failure == ErrorCode::kDeadlineExceeded || *o.failure == ErrorCode::kUnavailable)
            << to_string(*o.failure);
        EXPECT_LT(o.took, 300ms + 150ms);
        worst = std::max(worst, o.took);
      }
    }
  }
  std::cout << "[ figure ] paused server: slowest of 12 calls with a 300 ms deadline answered in "
            << ms(worst) << " ms\n";
  const auto recovered = until_served(*db, 10s);
  ASSERT_TRUE(recovered) << "the pool never reconnected after the server resumed";
  std::cout << "[ figure ] served again " << ms(*recovered) << " ms after the server resumed\n";
}

TEST_F(PostgresDatabase, ThePausedStoreTripsTheBreakerWhichAnswersFastThenProbesItBack) {
  auto db = open_with(for_silence({.failures_to_open = 3, .probe_after = 500ms}));
  ASSERT_TRUE(db);
  Clock::duration slowest_refusal{};
  {
    test::PostgresServer::Paused paused(*server_);
    ASSERT_TRUE(paused.status()) << paused.status().error().detail;
    for (int i = 0; i < 3; ++i) {
      const Outcome o = call_at_once(*db, 1, 200ms)[0];
      ASSERT_TRUE(o.failure.has_value());
    }
    for (const Outcome& o : call_at_once(*db, 20, 2s)) {
      ASSERT_TRUE(o.failure.has_value());
      EXPECT_EQ(*o.failure, ErrorCode::kUnavailable);
      EXPECT_GE(o.retry_after, 1);
      EXPECT_LT(o.took, 100ms);
      slowest_refusal = std::max(slowest_refusal, o.took);
    }
  }
  std::cout << "[ figure ] open breaker: slowest of 20 refusals took "
            << std::chrono::duration_cast<std::chrono::microseconds>(slowest_refusal).count() << " us\n";
  const auto recovered = until_served(*db, 10s);
  ASSERT_TRUE(recovered) << "the breaker never let a probe through, or the probe never succeeded";
  std::cout << "[ figure ] breaker closed " << ms(*recovered) << " ms after the server resumed\n";
  EXPECT_TRUE(run(db->query("SELECT 1", {})));
}

TEST_F(PostgresDatabase, ReconnectsAfterTheServerDropsTheConnection) {
  auto db = open();
  auto admin = open();
  ASSERT_TRUE(db && admin);
  const Rows pid = query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(pid.size(), 1u);
  const Rows killed = query(*admin, "SELECT pg_terminate_backend(?::int)", {pid.rows[0][0]});
  ASSERT_EQ(killed.size(), 1u);

  const auto lost = run(db->query("SELECT 1", {}));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  // The poisoned session is discarded, and a new one made off the request
  // path serves the next call.
  const Rows again = query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again.rows[0][0], pid.rows[0][0]);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The server drops every session and refuses new ones for a while. Callers
// are answered at once (nothing left to wait for), the maintenance thread
// tries again with growing pauses instead of in a loop, and the pool is
// back as soon as the server accepts again.
TEST_F(PostgresDatabase, ReconnectsOffTheRequestPathWithBackoffWhileTheServerRefuses) {
  auto db = open_with({.conninfo = {},
                       .pool_size = 2,
                       .reconnect_backoff_base = 50ms,
                       .reconnect_backoff_cap = 1000ms,
                       .breaker = {.failures_to_open = 0}});
  // From another database: PostgreSQL will not close the one it is in.
  auto admin = open_with({.conninfo = server_->conninfo(), .pool_size = 1});
  ASSERT_TRUE(db && admin);
  ASSERT_EQ(call_at_once(*db, 2, 2s)[0].failure, std::nullopt);
  LogCapture log;
  ASSERT_TRUE(log.started());
  query(*admin, "ALTER DATABASE " + dbname_ + " ALLOW_CONNECTIONS false");
  query(*admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + dbname_ + "'");

  // Each lost session fails its next call once; then no session is left
  // and none can be made, and callers hear so at once.
  const auto outage = Clock::now();
  Clock::duration slowest_after_loss{};
  int calls = 0;
  while (Clock::now() - outage < 1200ms) {
    const Outcome o = call_at_once(*db, 1, 2s)[0];
    ASSERT_TRUE(o.failure.has_value());
    EXPECT_EQ(*o.failure, ErrorCode::kUnavailable);
    if (++calls > 2) slowest_after_loss = std::max(slowest_after_loss, o.took);
    std::this_thread::sleep_for(10ms);
  }
  query(*admin, "ALTER DATABASE " + dbname_ + " ALLOW_CONNECTIONS true");
  const auto recovered = until_served(*db, 5s);
  const std::string logged = log.text();
  EXPECT_LT(slowest_after_loss, 50ms);
  const std::size_t attempts = occurrences(logged, "not currently accepting connections");
  // 50 ms doubling to 1 s with full jitter: a handful of attempts in 1.2 s;
  // a reconnect loop without backoff would make hundreds.
  EXPECT_GE(attempts, 2u);
  EXPECT_LE(attempts, 20u);
  ASSERT_TRUE(recovered) << "the pool never reconnected";
  std::cout << "[ figure ] refused server: " << attempts << " reconnect attempts in 1.2 s, " << calls
            << " calls answered in at most " << ms(slowest_after_loss) << " ms, served again "
            << ms(*recovered) << " ms after the server accepted\n";
}

TEST_F(PostgresDatabase, UnreachableServerIsUnavailableAndSaysNoMore) {
  // A port nothing listens on: the connect fails fast and says so.
  const auto db = open_postgres(
      {.conninfo = "host=127.0.0.1 port=1 user=barista dbname=none", .connect_timeout = 1000ms});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(db.error().detail, "the store is unavailable");
}

TEST_F(PostgresDatabase, AHostThatRefusesIsSkippedForTheNextOneListed) {
  auto db = open_with({.conninfo = "host=127.0.0.1,127.0.0.1 port=1," + std::to_string(server_->port()) +
                                   " user=cafe dbname=" + dbname_ + " target_session_attrs=read-write",
                       .pool_size = 2});
  ASSERT_TRUE(db);
  const Rows port = query(*db, "SELECT current_setting('port')");
  ASSERT_EQ(port.size(), 1u);
  EXPECT_EQ(as_text(port.rows[0][0]).value(), std::to_string(server_->port()));
  ASSERT_TRUE(db->migrate(three_migrations()));
}

// Runs `sql` on `server`'s database `dbname` from a session of its own.
void on_server(test::PostgresServer& server, const std::string& dbname, const std::vector<std::string>& sql) {
  auto db = open_postgres(
      {.conninfo = "host=127.0.0.1 port=" + std::to_string(server.port()) + " user=cafe dbname=" + dbname,
       .pool_size = 1,
       .breaker = {.failures_to_open = 0}});
  ASSERT_TRUE(db) << db.error().detail;
  for (const auto& statement : sql) {
    const auto r = run((*db)->query(statement, {}));
    ASSERT_TRUE(r) << statement << ": " << r.error().detail;
  }
}

// Two servers stand for a primary and its standby (read-only by
// default_transaction_read_only, which libpq's read-write check reads).
// Then the roles swap, as in a failover: the old primary's sessions start
// failing with "read-only transaction" (25006), are discarded, and the
// pool reconnects to the server that now takes writes.
TEST_F(PostgresDatabase, SessionsFollowTheServerThatTakesWrites) {
  auto first = test::PostgresServer::start();
  auto second = test::PostgresServer::start();
  ASSERT_TRUE(first && second);
  test::PostgresServer& primary = **second;  // listed second, so the read-write check decides
  test::PostgresServer& standby = **first;
  for (test::PostgresServer* s : {&primary, &standby}) {
    ASSERT_TRUE(s->create_database("shop"));
    on_server(*s, "shop", {"CREATE TABLE orders (id BIGINT PRIMARY KEY, port TEXT NOT NULL)"});
  }
  on_server(standby, "shop",
            {"ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()"});

  auto db = open_with({.conninfo = "host=127.0.0.1,127.0.0.1 port=" + std::to_string(standby.port()) + "," +
                                   std::to_string(primary.port()) +
                                   " user=cafe dbname=shop target_session_attrs=read-write",
                       .pool_size = 2,
                       .reconnect_backoff_base = 20ms,
                       .reconnect_backoff_cap = 200ms,
                       .breaker = {.failures_to_open = 0}});
  ASSERT_TRUE(db);
  std::int64_t next_id = 1;
  auto place = [&]() -> Result<std::string> {
    const std::int64_t id = next_id++;
    return run(db->transact<std::string>([id](Transaction& t) -> Result<std::string> {
      const std::vector<Value> p{id};
      auto r =
          t.execute("INSERT INTO orders (id, port) VALUES (?, current_setting('port')) RETURNING port", p);
      if (!r) return r.error();
      return as_text(r->rows.at(0).at(0));
    }));
  };
  const auto before = place();
  ASSERT_TRUE(before) << before.error().detail;
  EXPECT_EQ(*before, std::to_string(primary.port()));

  // The failover: the primary is demoted, the standby promoted.
  on_server(primary, "shop",
            {"ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()"});
  on_server(standby, "shop",
            {"SET default_transaction_read_only = off", "ALTER SYSTEM RESET default_transaction_read_only",
             "SELECT pg_reload_conf()"});

  int refused = 0;
  std::optional<std::string> landed;
  const auto start = Clock::now();
  while (Clock::now() - start < 10s) {
    const auto r = place();
    if (r && *r == std::to_string(standby.port())) {
      landed = *r;
      break;
    }
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().detail;
      ++refused;
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(landed) << "writes never moved to the promoted server";
  // Each session on the demoted server failed at most once before it was
  // discarded: none was reused.
  EXPECT_LE(refused, 2);
  std::cout << "[ figure ] writes moved to the promoted server after " << refused << " refused calls in "
            << ms(Clock::now() - start) << " ms\n";
}

TEST_F(PostgresDatabase, ConvertsColumnsByType) {
  auto db = open();
  ASSERT_TRUE(db);
  const Rows r =
      query(*db, "SELECT 1::int2, 2::int4, true, 1.5::float4, 2.25::numeric, 'x'::varchar, NULL::int8");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<Value>{std::int64_t{1}, std::int64_t{2}, std::int64_t{1}, 1.5, 2.25,
                                           std::string("x"), Null{}}));
}

}  // namespace
}  // namespace cafe::sql::testing
