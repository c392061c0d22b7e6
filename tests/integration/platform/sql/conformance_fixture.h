// The fixture every backend runs through: a fresh store per test (a temp
// SQLite file, or a new database on the shared PostgreSQL server) and
// helpers to drive coroutines from a test.
#pragma once

#include "platform/sql/database.h"
#include "support/postgres_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace cafe::sql::testing {

// The schema the suite migrates to: items with every value type, seeds
// written by a migration (to count how often it ran), and a counter row.
const std::vector<Migration>& two_migrations();
const std::vector<Migration>& three_migrations();

struct Knobs {
  std::size_t queue_limit = 4096;
  int threads = 4;  // postgres pool size; sqlite readers
  StoreBreakerOptions breaker{};
};

class DatabaseConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool is_sqlite() const { return GetParam() == "sqlite"; }

  // Opens the test's store; fails the test (and returns nullptr) on error.
  std::unique_ptr<Database> open(Knobs knobs = {});

  // open() then migrate(three_migrations()).
  std::unique_ptr<Database> open_migrated(Knobs knobs = {});

  std::string sqlite_path_;
  std::string conninfo_;
};

// Runs one awaitable to completion on a private io_context.
template <class T>
T run(boost::asio::awaitable<T> op) {
  boost::asio::io_context ctx;
  auto result = boost::asio::co_spawn(ctx, std::move(op), boost::asio::use_future);
  ctx.run();
  return result.get();
}

// One query, run to completion; fails the test on error.
Rows query(Database& db, std::string sql, std::vector<Value> params = {});
std::int64_t count(Database& db, const std::string& table);
// Inserts one row into the suite's `items` table (id, name).
Result<void> insert_item(Transaction& t, std::int64_t id, std::string name);

// Captures what the process logs while it lives (telemetry is global: one
// at a time).
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  bool started() const { return started_; }
  // Everything logged so far; stops the capture, so call it once, at the end.
  std::string text();

 private:
  std::string dir_;
  bool started_ = false;
};

// Waits a bounded time so that a bug shows as a failure, not a hung test.
template <class T>
bool ready_soon(std::future<T>& f) {
  return f.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
}

}  // namespace cafe::sql::testing
