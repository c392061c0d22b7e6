// The fixture every outbox, inbox, idempotency and retention test runs
// through, once per backend: a fresh store per test (a temp SQLite file, or
// a new database on the shared PostgreSQL server) migrated to the bus
// tables plus an `effects` table standing for a consumer's own state; a
// clock the test moves; coroutines run on an I/O thread of their own.
#pragma once

#include "platform/bus/store_schema.h"
#include "platform/service/clock.h"
#include "platform/sql/database.h"
#include "support/coro_runner.h"
#include "support/postgres_server.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace cafe::bus::testing {

inline constexpr StoreTables kAllTables{.outbox = true, .inbox = true, .idempotency = true};

// Wall time starts at a fixed instant and moves only when told; steady time
// follows the real clock plus whatever the test added, so leases held in
// steady time expire when the test says too.
class TestClock final : public service::Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(wall_ms_.load()));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(added_ms_.load());
  }
  void advance(std::chrono::milliseconds by) {
    wall_ms_ += by.count();
    added_ms_ += by.count();
  }
  std::int64_t now_ms() const { return wall_ms_.load(); }

 private:
  std::atomic<std::int64_t> wall_ms_{1'764'060'601'000};  // 2025-11-25T08:50:01Z
  std::atomic<std::int64_t> added_ms_{0};
};

class BusStore : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool is_sqlite() const { return GetParam() == "sqlite"; }

  // Opens the test's store and migrates it; fails the test (and returns
  // nullptr) on error. Every call opens another client of the same store,
  // as another replica would.
  std::unique_ptr<sql::Database> open(StoreTables tables = kAllTables);

  // Runs `make()`'s coroutine to completion on the test's I/O thread.
  template <class Make>
  auto run(Make make) {
    return runner_(std::move(make));
  }
  // Starts it there and returns at once.
  template <class Make>
  auto start(Make make) {
    return boost::asio::co_spawn(runner_.context(), std::move(make), boost::asio::use_future);
  }
  boost::asio::any_io_executor executor() { return runner_.context().get_executor(); }

  Result<void> transact(sql::Database& db, sql::TransactionBody body);
  sql::Rows query(sql::Database& db, std::string sql, std::vector<sql::Value> params = {});
  std::int64_t count(sql::Database& db, const std::string& table);

  test::CoroRunner runner_;
  TestClock clock_;
  std::string sqlite_path_;
  std::string conninfo_;
};

// Each suite derives from BusStore and runs on both backends:
//   class Inbox : public BusStore {};
//   INSTANTIATE_TEST_SUITE_P(Backends, Inbox, kBackends, backend_name);
inline const auto kBackends = ::testing::Values(std::string("sqlite"), std::string("postgres"));
std::string backend_name(const ::testing::TestParamInfo<std::string>& info);

// An effect a consumer applies: one row in `effects`.
Result<void> apply_effect(sql::Transaction& tx, const std::string& consumer, const std::string& event_id);

// Waits a bounded time so that a bug shows as a failure, not a hung test.
template <class T>
bool ready_soon(std::future<T>& f) {
  return f.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
}

// Polls `condition` every few milliseconds for up to 20 s.
bool eventually(const std::function<bool()>& condition);

}  // namespace cafe::bus::testing
