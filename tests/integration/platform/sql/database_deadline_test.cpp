// The store under time pressure and under failure, the same on every
// backend: deadlines on queued and running calls, generic error text, and
// the breaker in front of a store that stops answering.
#include "conformance_fixture.h"
#include "platform/faults/faulty_database.h"

#include <gmock/gmock.h>

#include <atomic>
#include <thread>

namespace cafe::sql::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Never ends on its own on either backend: only a deadline stops it.
constexpr const char* kEndlessRead =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c";

TEST_P(DatabaseConformance, ACallWhoseDeadlineHasPassedIsAnsweredWithoutRunning) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  const auto late = Deadline::after(-1ms);
  const auto q = run(db->query("SELECT 1", {}, late));
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, ErrorCode::kDeadlineExceeded);
  std::atomic<bool> ran{false};
  const auto t = run(db->transact(
      [&ran](Transaction&) -> Result<void> {
        ran = true;
        return ok();
      },
      late));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
}

TEST_P(DatabaseConformance, AQueuedTransactionIsAnsweredAtItsDeadlineAndNeverRuns) {
  auto db = open_migrated({.threads = 1});
  ASSERT_TRUE(db);
  asio::io_context holder_ctx;
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future().share();
  // Holds the only database thread (the SQLite writer; PostgreSQL's single
  // pool thread) so that the next transaction queues behind it.
  auto held = asio::co_spawn(holder_ctx, db->transact([&](Transaction&) -> Result<void> {
    entered.set_value();
    release_future.wait_for(20s);
    return ok();
  }),
                             asio::use_future);
  std::thread holding([&] { holder_ctx.run(); });
  entered.get_future().wait();

  std::atomic<bool> ran{false};
  const auto start = std::chrono::steady_clock::now();
  const auto queued = run(db->transact(
      [&ran](Transaction&) -> Result<void> {
        ran = true;
        return ok();
      },
      Deadline::after(100ms, start)));
  const auto waited = std::chrono::steady_clock::now() - start;
  release.set_value();
  holding.join();

  ASSERT_FALSE(queued);
  EXPECT_EQ(queued.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 100ms + 400ms);
  EXPECT_TRUE(held.get());
  EXPECT_EQ(count(*db, "items"), 0);  // the database thread is free again
  EXPECT_FALSE(ran);
}

TEST_P(DatabaseConformance, AReadStillRunningAtItsDeadlineIsStopped) {
  auto db = open_migrated({.threads = 1});
  ASSERT_TRUE(db);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run(db->query(kEndlessRead, {}, Deadline::after(200ms, start)));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 200ms + 400ms);
  // The only connection serves the next call (on PostgreSQL, once the
  // cancelled statement has been collected off the request path).
  EXPECT_EQ(query(*db, "SELECT 1 AS one").size(), 1u);
}

TEST_P(DatabaseConformance, AStatementInATransactionPastItsDeadlineFailsTheTransaction) {
  auto db = open_migrated({.threads = 1});
  ASSERT_TRUE(db);
  std::optional<ErrorCode> read_failed;
  const auto start = std::chrono::steady_clock::now();
  const auto r = run(db->transact(
      [&](Transaction& t) -> Result<void> {
        if (auto in = t.execute("INSERT INTO items (id, name) VALUES (1, 'lost')"); !in) return in.error();
        auto endless = t.execute(kEndlessRead);
        if (!endless) read_failed = endless.error().code;
        return ok();
      },
      Deadline::after(300ms, start)));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(read_failed, ErrorCode::kDeadlineExceeded);
  EXPECT_LT(waited, 300ms + 400ms);
  EXPECT_EQ(count(*db, "items"), 0);
}

TEST_P(DatabaseConformance, BackendErrorTextIsLoggedNeverReturned) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  LogCapture log;
  ASSERT_TRUE(log.started());
  const auto broken = run(db->query("SELECT * FROM secret_ledger_of_beans", {}));
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kInternal);
  EXPECT_EQ(broken.error().detail, "the store refused the statement");

  ASSERT_TRUE(run(db->transact([](Transaction& t) -> Result<void> {
    if (auto r = t.execute("INSERT INTO items (id, name) VALUES (1, 'espresso')"); !r) return r.error();
    return ok();
  })));
  const auto duplicate = run(db->transact([](Transaction& t) -> Result<void> {
    if (auto r = t.execute("INSERT INTO items (id, name) VALUES (2, 'espresso')"); !r) return r.error();
    return ok();
  }));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);

  const Error refused = broken.error();
  const Error collided = duplicate.error();
  for (const Error* e : {&refused, &collided}) {
    // Neither the table, nor the backend's message, nor where it runs.
    EXPECT_THAT(e->detail, Not(HasSubstr("secret_ledger")));
    EXPECT_THAT(e->detail, Not(HasSubstr("items")));
    EXPECT_THAT(e->detail, Not(HasSubstr("no such table")));
    EXPECT_THAT(e->detail, Not(HasSubstr("does not exist")));
    EXPECT_THAT(e->detail, Not(HasSubstr("UNIQUE")));
    EXPECT_THAT(e->detail, Not(HasSubstr("42P01")));
    EXPECT_THAT(e->detail, Not(HasSubstr("23505")));
    EXPECT_THAT(e->detail, Not(HasSubstr("127.0.0.1")));
    EXPECT_THAT(e->detail, Not(HasSubstr("cafe")));
    EXPECT_THAT(e->detail, Not(HasSubstr(GetParam())));
  }
  const std::string logged = log.text();
  EXPECT_THAT(logged, HasSubstr("secret_ledger_of_beans"));
  EXPECT_THAT(logged, HasSubstr(is_sqlite() ? "no such table" : "does not exist"));
  EXPECT_THAT(logged, HasSubstr(is_sqlite() ? "UNIQUE constraint failed" : "23505"));
}

// The store stops answering (an injected fault, through the lab's own
// wrapper): after `failures_to_open` failures the breaker answers at once,
// then lets one probe through after `probe_after`.
TEST_P(DatabaseConformance, TheBreakerAnswersFastWhileTheStoreIsDownAndProbesItBack) {
  faults::Registry registry(1);
  auto inner = open_migrated({.breaker = {.failures_to_open = 0}});
  ASSERT_TRUE(inner);
  auto db = with_store_breaker(faults::with_faults(std::move(inner), registry),
                               {.failures_to_open = 3, .probe_after = 300ms});
  ASSERT_TRUE(registry.add({.id = {},
                            .kind = faults::Kind::kError,
                            .target = "dependency:store",
                            .expires_at = std::chrono::system_clock::now() + 1h},
                           std::chrono::system_clock::now()));
  for (int i = 0; i < 3; ++i) {
    const auto failed = run(db->query("SELECT 1", {}));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  }
  registry.clear();  // the store is back, but the breaker has not probed it yet

  const auto start = std::chrono::steady_clock::now();
  const auto refused_query = run(db->query("SELECT 1", {}));
  const auto refused_txn = run(db->transact([](Transaction&) { return ok(); }));
  const auto answered_in = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(refused_query);
  ASSERT_FALSE(refused_txn);
  EXPECT_EQ(refused_query.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused_txn.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(refused_query.error().retry_after_seconds, 1);
  EXPECT_EQ(refused_query.error().detail, "the store is unavailable");
  EXPECT_LT(answered_in, 100ms);

  std::this_thread::sleep_until(start + 300ms);  // the breaker's own probe interval
  const auto probe = run(db->query("SELECT 1 AS one", {}));
  ASSERT_TRUE(probe) << probe.error().detail;
  EXPECT_TRUE(run(db->transact([](Transaction&) { return ok(); })));  // closed again
}

}  // namespace
}  // namespace cafe::sql::testing
