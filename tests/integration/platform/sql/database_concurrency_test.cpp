// Many callers at once: group commit with failures inside the group,
// coroutines on one io_context, shutdown and the queue bound.
#include "conformance_fixture.h"

#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <stdexcept>
#include <thread>

namespace cafe::sql::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> transact_into(Database* db, TransactionBody body, std::optional<Result<void>>* out) {
  auto op = db->transact(std::move(body));
  *out = co_await std::move(op);
}

// A body that holds its database thread until released, so that the calls
// behind it queue up. It gives up after a while so that a bug fails the
// test instead of hanging it.
TransactionBody blocking_body(std::shared_ptr<std::promise<void>> entered, std::shared_future<void> release,
                              std::int64_t id) {
  return [entered, release, id](Transaction& t) -> Result<void> {
    entered->set_value();
    if (release.wait_for(20s) != std::future_status::ready) return Error::internal("never released");
    return insert_item(t, id, "blocker");
  };
}

// An io_context on a thread of its own, for tests that must watch calls
// while they are pending.
struct BackgroundContext {
  asio::io_context ctx;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(ctx);
  std::thread thread{[this] { ctx.run(); }};

  ~BackgroundContext() {
    guard.reset();
    thread.join();
  }

  // Returns once everything posted before it has run, so calls spawned
  // earlier have been submitted to the database.
  void drain() {
    std::promise<void> done;
    asio::post(ctx, [&] { done.set_value(); });
    done.get_future().wait();
  }
};

TEST_P(DatabaseConformance, FailingBodyRollsBackOnlyItselfWhileOthersCommit) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  constexpr int kCalls = 60;
  std::vector<std::optional<Result<void>>> results(kCalls);
  asio::io_context ctx;
  auto entered = std::make_shared<std::promise<void>>();
  std::promise<void> release;
  // Call 0 holds the writer until every other call is queued, so that on
  // SQLite calls 1..59 commit as one group, failures included.
  asio::co_spawn(
      ctx, transact_into(db.get(), blocking_body(entered, release.get_future().share(), 0), &results[0]),
      asio::detached);
  for (int i = 1; i < kCalls; ++i) {
    TransactionBody body = [i](Transaction& t) -> Result<void> {
      if (auto in = insert_item(t, i, "item " + std::to_string(i)); !in) return in;
      if (i % 3 == 0) return Error::make(ErrorCode::kFailedPrecondition, "refused " + std::to_string(i));
      if (i % 7 == 0) throw std::runtime_error("body threw");
      if (i == 10) return insert_item(t, 1000 + i, "item 10");  // duplicate of its own row
      return ok();
    };
    asio::co_spawn(ctx, transact_into(db.get(), std::move(body), &results[static_cast<std::size_t>(i)]),
                   asio::detached);
  }
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        co_await asio::post(ctx, asio::use_awaitable);
        release.set_value();
      },
      asio::detached);
  ctx.run();

  std::vector<Value> expected_ids{std::int64_t{0}};
  for (int i = 0; i < kCalls; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(r.has_value()) << "call " << i << " never completed";
    if (i > 0 && i % 3 == 0) {
      ASSERT_FALSE(*r);
      EXPECT_EQ(r->error().code, ErrorCode::kFailedPrecondition);
    } else if (i % 7 == 0 && i > 0) {
      ASSERT_FALSE(*r);
      EXPECT_EQ(r->error().code, ErrorCode::kInternal);
    } else if (i == 10) {
      ASSERT_FALSE(*r);
      EXPECT_EQ(r->error().code, ErrorCode::kConflict);
    } else {
      EXPECT_TRUE(*r) << "call " << i << ": " << r->error().detail;
      if (i > 0) expected_ids.emplace_back(std::int64_t{i});
    }
  }
  std::vector<Value> ids;
  for (auto& row : query(*db, "SELECT id FROM items ORDER BY id").rows) ids.push_back(row[0]);
  EXPECT_EQ(ids, expected_ids);
}

asio::awaitable<void> place_order(Database* db, std::int64_t id, std::optional<Result<void>>* out,
                                  std::int64_t* visible) {
  TransactionBody body = [id](Transaction& t) -> Result<void> {
    if (auto bumped = t.execute("UPDATE counters SET n = n + 1 WHERE name = 'orders'"); !bumped) {
      return bumped.error();
    }
    return insert_item(t, id, "order " + std::to_string(id));
  };
  auto op = db->transact(std::move(body));
  *out = co_await std::move(op);
  // Committed before resuming: a reader connection sees the row at once.
  auto check = db->query("SELECT COUNT(*) FROM items WHERE id = ?", {id});
  auto seen = co_await std::move(check);
  const auto n =
      seen && seen->size() == 1 ? as_int(seen->rows[0][0]) : Result<std::int64_t>(Error::internal("no row"));
  *visible = n ? *n : -1;
}

TEST_P(DatabaseConformance, ManyConcurrentTransactionsFromCoroutinesAllCommit) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  constexpr int kOrders = 200;
  std::vector<std::optional<Result<void>>> results(kOrders);
  std::vector<std::int64_t> visible(kOrders, 0);
  asio::io_context ctx;
  for (int i = 0; i < kOrders; ++i) {
    const auto k = static_cast<std::size_t>(i);
    asio::co_spawn(ctx, place_order(db.get(), i, &results[k], &visible[k]), asio::detached);
  }
  ctx.run();
  for (int i = 0; i < kOrders; ++i) {
    const auto k = static_cast<std::size_t>(i);
    ASSERT_TRUE(results[k].has_value());
    EXPECT_TRUE(*results[k]) << results[k]->error().detail;
    EXPECT_EQ(visible[k], 1) << "order " << i;
  }
  EXPECT_EQ(count(*db, "items"), kOrders);
  const Rows counter = query(*db, "SELECT n FROM counters WHERE name = ?", {std::string("orders")});
  ASSERT_EQ(counter.size(), 1u);
  EXPECT_EQ(as_int(counter.rows[0][0]).value(), kOrders);
}

TEST_P(DatabaseConformance, CloseFailsPendingAndLaterCallsWithUnavailable) {
  auto db = open_migrated({.threads = 1});
  ASSERT_TRUE(db);
  BackgroundContext bg;
  auto entered = std::make_shared<std::promise<void>>();
  auto entered_future = entered->get_future();
  std::promise<void> release;
  auto in_flight = asio::co_spawn(
      bg.ctx, db->transact(blocking_body(entered, release.get_future().share(), 1)), asio::use_future);
  ASSERT_TRUE(ready_soon(entered_future));
  auto pending = asio::co_spawn(
      bg.ctx, db->transact([](Transaction& t) { return insert_item(t, 2, "pending"); }), asio::use_future);
  bg.drain();

  std::thread closer([&] { db->close(); });
  ASSERT_TRUE(ready_soon(pending));
  const auto refused = pending.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);

  release.set_value();
  ASSERT_TRUE(ready_soon(in_flight));
  const auto finished = in_flight.get();
  EXPECT_TRUE(finished) << finished.error().detail;  // a call already running completes
  closer.join();

  auto later_query = asio::co_spawn(bg.ctx, db->query("SELECT 1", {}), asio::use_future);
  auto later_txn = asio::co_spawn(bg.ctx, db->transact([](Transaction&) { return ok(); }), asio::use_future);
  ASSERT_TRUE(ready_soon(later_query) && ready_soon(later_txn));
  const auto q = later_query.get();
  const auto t = later_txn.get();
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kUnavailable);
  const auto m = db->migrate(three_migrations());
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kUnavailable);
}

TEST_P(DatabaseConformance, RefusesCallsBeyondTheQueueLimit) {
  auto db = open_migrated({.queue_limit = 1, .threads = 1});
  ASSERT_TRUE(db);
  BackgroundContext bg;
  auto entered = std::make_shared<std::promise<void>>();
  auto entered_future = entered->get_future();
  std::promise<void> release;
  auto running = asio::co_spawn(bg.ctx, db->transact(blocking_body(entered, release.get_future().share(), 1)),
                                asio::use_future);
  ASSERT_TRUE(ready_soon(entered_future));
  auto queued = asio::co_spawn(
      bg.ctx, db->transact([](Transaction& t) { return insert_item(t, 2, "queued"); }), asio::use_future);
  bg.drain();
  auto overflow = asio::co_spawn(
      bg.ctx, db->transact([](Transaction& t) { return insert_item(t, 3, "overflow"); }), asio::use_future);
  // Refused at once, while the first call still holds the database thread.
  ASSERT_TRUE(ready_soon(overflow));
  const auto refused = overflow.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);

  release.set_value();
  ASSERT_TRUE(ready_soon(running) && ready_soon(queued));
  EXPECT_TRUE(running.get());
  EXPECT_TRUE(queued.get());
  EXPECT_EQ(count(*db, "items"), 2);
}

}  // namespace
}  // namespace cafe::sql::testing
