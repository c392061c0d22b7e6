// SQLite-only behaviour: several processes (here, Database instances) on
// one file, and the busy handler's deadline.
#include "conformance_fixture.h"

#include <boost/asio/detached.hpp>

#include <filesystem>
#include <optional>
#include <thread>

namespace cafe::sql::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class SqliteDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::temp_directory_path() / "cafe-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<Database> open(std::chrono::milliseconds busy_timeout = 5000ms) {
    auto db = open_sqlite({.path = dir_ + "/shared.sqlite", .busy_timeout = busy_timeout});
    EXPECT_TRUE(db) << db.error().detail;
    if (!db) return nullptr;
    EXPECT_TRUE((*db)->migrate(three_migrations()));
    return std::move(*db);
  }

  std::string dir_;
};

TEST_F(SqliteDatabase, RefusesAnInMemoryDatabase) {
  const auto db = open_sqlite({.path = ":memory:"});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteDatabase, ReadersCannotWrite) {
  auto db = open();
  ASSERT_TRUE(db);
  const auto r = run(db->query("INSERT INTO seeds (label) VALUES ('x')", {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

asio::awaitable<void> bump(Database* db, std::optional<Result<void>>* out) {
  TransactionBody body = [](Transaction& t) -> Result<void> {
    auto r = t.execute("UPDATE counters SET n = n + 1 WHERE name = 'orders'");
    if (!r) return r.error();
    return ok();
  };
  auto op = db->transact(std::move(body));
  *out = co_await std::move(op);
}

// Two replicas of a service share its file: their writers take turns
// through the busy handler, and no commit is lost.
TEST_F(SqliteDatabase, TwoInstancesOnOneFileBothCommit) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  constexpr int kEach = 100;
  std::vector<std::optional<Result<void>>> results(2 * kEach);
  asio::io_context ctx_a, ctx_b;
  for (int i = 0; i < kEach; ++i) {
    asio::co_spawn(ctx_a, bump(a.get(), &results[static_cast<std::size_t>(i)]), asio::detached);
    asio::co_spawn(ctx_b, bump(b.get(), &results[static_cast<std::size_t>(kEach + i)]), asio::detached);
  }
  std::thread tb([&] { ctx_b.run(); });
  ctx_a.run();
  tb.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(*r) << r->error().detail;
  }
  const Rows n = query(*a, "SELECT n FROM counters");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(as_int(n.rows[0][0]).value(), 2 * kEach);
}

TEST_F(SqliteDatabase, GivesUpWithAbortedWhenAnotherWriterHoldsTheLockPastTheBusyTimeout) {
  auto holder = open();
  auto waiter = open(50ms);
  ASSERT_TRUE(holder && waiter);
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future().share();
  asio::io_context holder_ctx;
  auto held = asio::co_spawn(holder_ctx, holder->transact([&](Transaction&) -> Result<void> {
    entered.set_value();
    release_future.wait_for(20s);
    return ok();
  }),
                             asio::use_future);
  std::thread holding([&] { holder_ctx.run(); });
  entered.get_future().wait();

  const auto start = std::chrono::steady_clock::now();
  const auto refused = run(waiter->transact([](Transaction&) { return ok(); }));
  const auto waited = std::chrono::steady_clock::now() - start;
  release.set_value();
  holding.join();

  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAborted);
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 2s);
  EXPECT_TRUE(held.get());
}

}  // namespace
}  // namespace cafe::sql::testing
