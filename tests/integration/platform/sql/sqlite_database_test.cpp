// SQLite-only behaviour: several processes (Database instances, and real
// processes) on one file, and the busy handler's deadline.
#include "conformance_fixture.h"

#include <boost/asio/detached.hpp>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>

extern char** environ;

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
    auto db = open_sqlite({.path = dir_ + "/shared.sqlite", .busy_timeout = busy_timeout, .breaker = {}});
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

asio::awaitable<void> transact_into(Database* db, Deadline deadline, std::int64_t id,
                                    std::optional<Result<void>>* out) {
  TransactionBody body = [id](Transaction& t) -> Result<void> {
    const std::vector<Value> row{id, "order " + std::to_string(id)};
    if (auto in = t.execute("INSERT INTO items (id, name) VALUES (?, ?)", row); !in) return in.error();
    return ok();
  };
  auto op = db->transact(std::move(body), deadline);
  *out = co_await std::move(op);
}

// Another replica holds the file's write lock for 600 ms. The waiting
// transactions retry BEGIN IMMEDIATE: the two whose deadlines come first
// give up alone, each at its own deadline, and the rest commit once the
// lock is free — a busy file fails no group as a whole.
TEST_F(SqliteDatabase, WaitingForAnotherWritersLockFailsOnlyTheLateTransactions) {
  auto holder = open();
  auto waiter = open();
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
  const std::vector<std::chrono::milliseconds> budgets{100ms, 300ms, 5s, 5s, 5s};
  std::vector<std::optional<Result<void>>> results(budgets.size());
  std::vector<std::chrono::steady_clock::duration> answered(budgets.size());
  asio::io_context ctx;
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    asio::co_spawn(
        ctx, transact_into(waiter.get(), Deadline::after(budgets[i], start), std::int64_t(i), &results[i]),
        [&answered, i, start](std::exception_ptr) {
          answered[i] = std::chrono::steady_clock::now() - start;
        });
  }
  std::thread releaser([&] {
    std::this_thread::sleep_until(start + 600ms);
    release.set_value();
  });
  ctx.run();
  releaser.join();
  holding.join();
  EXPECT_TRUE(held.get());

  for (std::size_t i = 0; i < budgets.size(); ++i) {
    ASSERT_TRUE(results[i].has_value());
    if (budgets[i] < 600ms) {
      ASSERT_FALSE(*results[i]);
      EXPECT_EQ(results[i]->error().code, ErrorCode::kDeadlineExceeded);
      EXPECT_GE(answered[i], budgets[i]);
      EXPECT_LT(answered[i], budgets[i] + 150ms);
    } else {
      EXPECT_TRUE(*results[i]) << results[i]->error().detail;
      EXPECT_GE(answered[i], 600ms);
    }
  }
  EXPECT_EQ(count(*waiter, "items"), 3);
}

// Runs the helper process; its output goes to `log`.
pid_t spawn_writer(const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int exit_status(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Two replicas of one service in two processes, one SQLite file, each
// committing 1000 transactions 16 at a time: every commit lands, none fails
// for a busy file.
TEST_F(SqliteDatabase, TwoProcessesCommittingToOneFileLoseNothing) {
  {
    auto db = open();  // creates and migrates the file
    ASSERT_TRUE(db);
  }
  constexpr int kEach = 1000;
  const std::string path = dir_ + "/shared.sqlite";
  const pid_t a =
      spawn_writer({CAFE_SQLITE_WRITER_PROCESS, path, "0", std::to_string(kEach), "16"}, dir_ + "/a.log");
  const pid_t b =
      spawn_writer({CAFE_SQLITE_WRITER_PROCESS, path, std::to_string(kEach), std::to_string(kEach), "16"},
                   dir_ + "/b.log");
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  const int a_status = exit_status(a);
  const int b_status = exit_status(b);
  for (const char* name : {"/a.log", "/b.log"}) {
    std::ifstream in(dir_ + name);
    std::stringstream out;
    out << in.rdbuf();
    std::cout << "[ figure ] writer process " << name + 1 << ": " << out.str();
  }
  EXPECT_EQ(a_status, 0);
  EXPECT_EQ(b_status, 0);
  auto db = open();
  ASSERT_TRUE(db);
  EXPECT_EQ(count(*db, "items"), 2 * kEach);
  const Rows n = query(*db, "SELECT n FROM counters");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(as_int(n.rows[0][0]).value(), 2 * kEach);
}

}  // namespace
}  // namespace cafe::sql::testing
