// What a transaction means, the same on every backend: a failed statement
// fails the whole transaction, a body can hand back a value, "read then
// write what you read" is safe under concurrency, and kAborted is retried.
#include "conformance_fixture.h"
#include "platform/sql/retry.h"

#include <boost/asio/detached.hpp>
#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>

namespace cafe::sql::testing {
namespace {

namespace asio = boost::asio;
using ::testing::ElementsAre;

std::vector<std::int64_t> item_ids(Database& db) {
  std::vector<std::int64_t> out;
  for (const auto& row : query(db, "SELECT id FROM items ORDER BY id").rows)
    out.push_back(as_int(row[0]).value());
  return out;
}

TEST_P(DatabaseConformance, AFailedStatementRollsBackTheWholeTransactionEvenIfTheBodyCarriesOn) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  ASSERT_TRUE(run(db->transact([](Transaction& t) { return insert_item(t, 1, "espresso"); })));

  std::optional<ErrorCode> duplicate;
  std::optional<ErrorCode> after_failure;
  // The body ignores the failed INSERT and returns success.
  const auto r = run(db->transact([&](Transaction& t) -> Result<void> {
    if (auto in = insert_item(t, 2, "latte"); !in) return in;
    duplicate = insert_item(t, 3, "espresso").error().code;
    auto later = t.execute("INSERT INTO items (id, name) VALUES (4, 'mocha')");
    if (!later) after_failure = later.error().code;
    return ok();
  }));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(duplicate, ErrorCode::kConflict);
  // Later statements fail with the first failure, as PostgreSQL's aborted
  // transaction does.
  EXPECT_EQ(after_failure, ErrorCode::kConflict);
  EXPECT_THAT(item_ids(*db), ElementsAre(1));
}

TEST_P(DatabaseConformance, ABodysOwnErrorAfterAFailedStatementIsTheOneReturned) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  const auto r = run(db->transact([](Transaction& t) -> Result<void> {
    if (auto in = insert_item(t, 1, "kept?"); !in) return in;
    if (auto bad = t.execute("SELECT no_such_column FROM items"); !bad) {
      return Error::make(ErrorCode::kFailedPrecondition, "menu item unavailable");
    }
    return ok();
  }));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().detail, "menu item unavailable");
  EXPECT_EQ(count(*db, "items"), 0);
}

TEST_P(DatabaseConformance, TransactHandsBackTheBodysValueOnceCommitted) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  auto body = [](Transaction& t) -> Result<std::int64_t> {
    if (auto in = insert_item(t, 7, "cortado"); !in) return in.error();
    auto bumped = t.execute("UPDATE counters SET n = n + 5 WHERE name = 'orders' RETURNING n");
    if (!bumped) return bumped.error();
    return as_int(bumped->rows.at(0).at(0));
  };
  const Result<std::int64_t> n =
      run(db->transact<std::int64_t>(body, Deadline::after(std::chrono::seconds(5))));
  ASSERT_TRUE(n) << n.error().detail;
  EXPECT_EQ(*n, 5);
  EXPECT_THAT(item_ids(*db), ElementsAre(7));

  // A failure hands back the error, never a value.
  const auto refused = run(db->transact<std::string>([](Transaction& t) -> Result<std::string> {
    if (auto in = insert_item(t, 7, "again"); !in) return in.error();
    return std::string("unreachable");
  }));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);

  // Result<void> bodies work through the same template.
  EXPECT_TRUE(run(db->transact<void>([](Transaction& t) { return insert_item(t, 8, "flat white"); })));
  EXPECT_EQ(count(*db, "items"), 2);
}

// "Read, then write what you read": the stock is read with FOR UPDATE (a
// row lock on PostgreSQL, stripped on SQLite), decremented in C++ and
// written back. Without the lock PostgreSQL's READ COMMITTED would let two
// transactions read the same stock and lose a decrement.
asio::awaitable<void> take_one(Database* db, std::optional<Result<std::int64_t>>* out) {
  auto body = [](Transaction& t) -> Result<std::int64_t> {
    const std::vector<Value> id{std::int64_t{1}};
    auto read = t.execute("SELECT qty FROM items WHERE id = ? FOR UPDATE", id);
    if (!read) return read.error();
    auto qty = as_int(read->rows.at(0).at(0));
    if (!qty) return qty.error();
    if (*qty <= 0) return Error::make(ErrorCode::kFailedPrecondition, "sold out");
    const std::vector<Value> write{*qty - 1, std::int64_t{1}};
    if (auto w = t.execute("UPDATE items SET qty = ? WHERE id = ?", write); !w) return w.error();
    return *qty - 1;
  };
  auto op = with_retries<std::int64_t>(*db, std::move(body), Deadline::after(std::chrono::seconds(10)));
  *out = co_await std::move(op);
}

TEST_P(DatabaseConformance, FiftyConcurrentDecrementsOfOneRowEndAtTheExactValue) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  constexpr int kTakers = 50;
  ASSERT_TRUE(run(db->transact([](Transaction& t) -> Result<void> {
    auto r = t.execute("INSERT INTO items (id, name, qty) VALUES (1, 'beans', 50)");
    if (!r) return r.error();
    return ok();
  })));
  std::vector<std::optional<Result<std::int64_t>>> results(kTakers + 1);
  asio::io_context ctx;
  for (auto& r : results) asio::co_spawn(ctx, take_one(db.get(), &r), asio::detached);
  ctx.run();

  std::vector<std::int64_t> left;
  int sold_out = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value());
    if (*r) {
      left.push_back(**r);
    } else {
      EXPECT_EQ(r->error().code, ErrorCode::kFailedPrecondition) << r->error().detail;
      ++sold_out;
    }
  }
  // Every decrement saw a different stock level: none was lost.
  std::sort(left.begin(), left.end());
  ASSERT_EQ(left.size(), static_cast<std::size_t>(kTakers));
  for (int i = 0; i < kTakers; ++i) EXPECT_EQ(left[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(sold_out, 1);
  const Rows stock = query(*db, "SELECT qty FROM items WHERE id = 1");
  ASSERT_EQ(stock.size(), 1u);
  EXPECT_EQ(as_int(stock.rows[0][0]).value(), 0);
}

// A body that collides `collisions` times, then commits.
auto colliding_body(std::shared_ptr<std::atomic<int>> runs, int collisions, ErrorCode code) {
  return [runs, collisions, code](Transaction& t) -> Result<std::int64_t> {
    const int run = ++*runs;
    if (auto in = insert_item(t, run, "try " + std::to_string(run)); !in) return in.error();
    if (run <= collisions) return Error::make(code, "collided");
    return std::int64_t{run};
  };
}

TEST_P(DatabaseConformance, WithRetriesRunsAnAbortedTransactionAgainUntilItCommits) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  auto runs = std::make_shared<std::atomic<int>>(0);
  std::mt19937_64 rng(7);
  const auto r =
      run(with_retries<std::int64_t>(*db, colliding_body(runs, 2, ErrorCode::kAborted),
                                     Deadline::after(std::chrono::seconds(5)), {.attempts = 3, .rng = &rng}));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(runs->load(), 3);
  EXPECT_THAT(item_ids(*db), ElementsAre(3));  // the failed tries left nothing
}

TEST_P(DatabaseConformance, WithRetriesGivesUpAfterTheLastAttempt) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  auto runs = std::make_shared<std::atomic<int>>(0);
  const auto r = run(with_retries<std::int64_t>(*db, colliding_body(runs, 100, ErrorCode::kAborted),
                                                Deadline::after(std::chrono::seconds(5)), {.attempts = 4}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kAborted);
  EXPECT_EQ(runs->load(), 4);
  EXPECT_EQ(count(*db, "items"), 0);
}

TEST_P(DatabaseConformance, WithRetriesRetriesNothingButAborted) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  for (const ErrorCode code :
       {ErrorCode::kConflict, ErrorCode::kUnavailable, ErrorCode::kFailedPrecondition}) {
    auto runs = std::make_shared<std::atomic<int>>(0);
    const auto r = run(with_retries<std::int64_t>(*db, colliding_body(runs, 100, code),
                                                  Deadline::after(std::chrono::seconds(5))));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(runs->load(), 1) << to_string(code);
  }
}

TEST_P(DatabaseConformance, WithRetriesSleepsNoPausePastTheDeadline) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  auto runs = std::make_shared<std::atomic<int>>(0);
  std::mt19937_64 rng(11);
  const auto start = std::chrono::steady_clock::now();
  // Pauses drawn from [0, 10 s] rarely fit in a 300 ms budget; one that
  // does not is never slept, and the last kAborted comes back at once.
  const auto r = run(with_retries<std::int64_t>(
      *db, colliding_body(runs, 100, ErrorCode::kAborted),
      Deadline::after(std::chrono::milliseconds(300), start),
      {.attempts = 10,
       .backoff = {.base = std::chrono::milliseconds(10'000), .cap = std::chrono::milliseconds(10'000)},
       .rng = &rng}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kAborted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_LT(runs->load(), 10);
}

}  // namespace
}  // namespace cafe::sql::testing
