// Migrations, value round trips, errors and parameter binding: the same
// expectations for every backend.
#include "conformance_fixture.h"

#include <gmock/gmock.h>

#include <latch>
#include <limits>
#include <thread>

namespace cafe::sql::testing {
namespace {

using ::testing::ElementsAre;

std::vector<std::int64_t> applied_versions(Database& db) {
  std::vector<std::int64_t> out;
  for (const auto& row : query(db, "SELECT version FROM schema_migrations ORDER BY version").rows) {
    out.push_back(as_int(row[0]).value());
  }
  return out;
}

TEST_P(DatabaseConformance, MigrationsApplyOnceAndAreIdempotent) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->migrate(two_migrations()));
  ASSERT_TRUE(db->migrate(two_migrations()));
  EXPECT_THAT(applied_versions(*db), ElementsAre(1, 2));
  EXPECT_EQ(count(*db, "seeds"), 1);

  ASSERT_TRUE(db->migrate(three_migrations()));
  EXPECT_THAT(applied_versions(*db), ElementsAre(1, 2, 3));
  EXPECT_EQ(count(*db, "seeds"), 1);

  const Rows ledger =
      query(*db, "SELECT name, applied_at FROM schema_migrations WHERE version = ?", {std::int64_t{2}});
  ASSERT_EQ(ledger.size(), 1u);
  EXPECT_EQ(as_text(ledger.rows[0][0]).value(), "seed");
  EXPECT_EQ(as_text(ledger.rows[0][1]).value().size(), std::string("2024-01-01T00:00:00.000Z").size());
}

TEST_P(DatabaseConformance, FailedMigrationLeavesNoTraceAndStopsTheRest) {
  auto db = open();
  ASSERT_TRUE(db);
  const std::vector<Migration> broken{
      two_migrations()[0],
      {2, "half done", "CREATE TABLE half (x INTEGER);\nINSERT INTO missing VALUES (1)"},
      {3, "never", "CREATE TABLE never (x INTEGER)"}};
  const auto migrated = db->migrate(broken);
  ASSERT_FALSE(migrated);
  EXPECT_NE(migrated.error().detail.find("half done"), std::string::npos);
  EXPECT_THAT(applied_versions(*db), ElementsAre(1));
  EXPECT_FALSE(run(db->query("SELECT x FROM half", {})));
  EXPECT_FALSE(run(db->query("SELECT x FROM never", {})));
}

TEST_P(DatabaseConformance, MigrationsOutOfOrderAreRefused) {
  auto db = open();
  ASSERT_TRUE(db);
  const std::vector<Migration> swapped{two_migrations()[1], two_migrations()[0]};
  const auto migrated = db->migrate(swapped);
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(DatabaseConformance, ConcurrentMigrateFromTwoInstancesAppliesEachOnce) {
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  std::latch start(2);
  Result<void> a, b;
  std::thread ta([&] {
    start.arrive_and_wait();
    a = first->migrate(three_migrations());
  });
  std::thread tb([&] {
    start.arrive_and_wait();
    b = second->migrate(three_migrations());
  });
  ta.join();
  tb.join();
  EXPECT_TRUE(a) << a.error().detail;
  EXPECT_TRUE(b) << b.error().detail;
  EXPECT_THAT(applied_versions(*first), ElementsAre(1, 2, 3));
  EXPECT_EQ(count(*second, "seeds"), 1);
  EXPECT_EQ(count(*second, "counters"), 1);
}

TEST_P(DatabaseConformance, RoundTripsEveryValueTypeAndNull) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  constexpr std::int64_t kBig = 9007199254740993;  // not representable as a double
  constexpr std::int64_t kSmallest = std::numeric_limits<std::int64_t>::min();
  std::int64_t affected = 0;
  auto inserted = run(db->transact([&](Transaction& t) -> Result<void> {
    const std::vector<Value> one{std::int64_t{1}, std::string("first"), kBig, 0.1, Null{}};
    const std::vector<Value> two{std::int64_t{2}, std::string("second"), kSmallest, -2.5e300,
                                 std::string("")};
    for (const auto* row : {&one, &two}) {
      auto r = t.execute("INSERT INTO items (id, name, qty, price, note) VALUES (?, ?, ?, ?, ?)", *row);
      if (!r) return r.error();
      affected += r->affected;
    }
    return ok();
  }));
  ASSERT_TRUE(inserted) << inserted.error().detail;
  EXPECT_EQ(affected, 2);

  const Rows rows = query(*db, "SELECT id, name, qty, price, note FROM items ORDER BY id");
  EXPECT_THAT(rows.columns, ElementsAre("id", "name", "qty", "price", "note"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.rows[0], (std::vector<Value>{std::int64_t{1}, std::string("first"), kBig, 0.1, Null{}}));
  EXPECT_EQ(rows.rows[1], (std::vector<Value>{std::int64_t{2}, std::string("second"), kSmallest, -2.5e300,
                                              std::string("")}));
  EXPECT_EQ(rows.affected, 0);

  const Rows by_param = query(*db, "SELECT name FROM items WHERE qty = ? AND note IS NULL", {kBig});
  ASSERT_EQ(by_param.size(), 1u);
  EXPECT_EQ(as_text(by_param.rows[0][0]).value(), "first");

  const Rows echoed = query(*db, "SELECT ? AS i, ? AS r, ? AS t", {std::int64_t{-5}, 1.5, std::string("x")});
  ASSERT_EQ(echoed.size(), 1u);
  EXPECT_EQ(echoed.rows[0], (std::vector<Value>{std::int64_t{-5}, 1.5, std::string("x")}));
}

TEST_P(DatabaseConformance, UpdatesReportTheRowsTheyChanged) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  std::int64_t changed = -1;
  auto r = run(db->transact([&](Transaction& t) -> Result<void> {
    for (std::int64_t id = 1; id <= 3; ++id) {
      if (auto in = insert_item(t, id, "n" + std::to_string(id)); !in) return in;
    }
    const std::vector<Value> params{std::int64_t{2}};
    auto updated = t.execute("UPDATE items SET qty = 7 WHERE id >= ?", params);
    if (!updated) return updated.error();
    changed = updated->affected;
    return ok();
  }));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(changed, 2);
}

TEST_P(DatabaseConformance, ConstraintViolationIsAConflict) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  ASSERT_TRUE(run(db->transact([](Transaction& t) { return insert_item(t, 1, "espresso"); })));
  const auto same_name = run(db->transact([](Transaction& t) { return insert_item(t, 2, "espresso"); }));
  ASSERT_FALSE(same_name);
  EXPECT_EQ(same_name.error().code, ErrorCode::kConflict);
  const auto same_id = run(db->transact([](Transaction& t) { return insert_item(t, 1, "latte"); }));
  ASSERT_FALSE(same_id);
  EXPECT_EQ(same_id.error().code, ErrorCode::kConflict);
  EXPECT_EQ(count(*db, "items"), 1);
}

TEST_P(DatabaseConformance, BindsQuotesAndUnicodeAsData) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  const std::vector<std::string> names{"Robert'); DROP TABLE items;--", R"("double" ? $1 \ backslash)",
                                       "☕ café 日本語 𝄞", "?", "'"};
  auto r = run(db->transact([&](Transaction& t) -> Result<void> {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (auto in = insert_item(t, static_cast<std::int64_t>(i), names[i]); !in) return in;
    }
    return ok();
  }));
  ASSERT_TRUE(r) << r.error().detail;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Rows rows = query(*db, "SELECT id FROM items WHERE name = ?", {names[i]});
    ASSERT_EQ(rows.size(), 1u) << names[i];
    EXPECT_EQ(as_int(rows.rows[0][0]).value(), static_cast<std::int64_t>(i));
  }
  EXPECT_EQ(count(*db, "items"), static_cast<std::int64_t>(names.size()));

  const Rows literal = query(*db, "SELECT '?' AS q, ? AS v -- a comment?", {std::string("it's")});
  ASSERT_EQ(literal.size(), 1u);
  EXPECT_EQ(literal.rows[0], (std::vector<Value>{std::string("?"), std::string("it's")}));
}

TEST_P(DatabaseConformance, WrongParameterCountIsABug) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  const auto r = run(db->query("SELECT id FROM items WHERE id = ? AND name = ?", {std::int64_t{1}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  // The connection stays usable afterwards.
  EXPECT_EQ(count(*db, "items"), 0);
}

TEST_P(DatabaseConformance, BodyCannotEndTheTransactionItself) {
  auto db = open_migrated();
  ASSERT_TRUE(db);
  const auto r = run(db->transact([](Transaction& t) -> Result<void> {
    if (auto in = insert_item(t, 1, "kept?"); !in) return in;
    auto committed = t.execute("COMMIT");
    if (!committed) return committed.error();
    return ok();
  }));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_EQ(count(*db, "items"), 0);
}

}  // namespace
}  // namespace cafe::sql::testing
