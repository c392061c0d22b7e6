#include "bus_store_fixture.h"

#include <filesystem>
#include <thread>
#include <unistd.h>

namespace cafe::bus::testing {

namespace {

const sql::Migration kEffects{1, "effects",
                              "CREATE TABLE effects (consumer TEXT NOT NULL, event_id TEXT NOT NULL)"};

}  // namespace

void BusStore::SetUp() {
  static std::atomic<int> next_id{0};
  const std::string id = std::to_string(getpid()) + "_" + std::to_string(next_id++);
  if (is_sqlite()) {
    std::string dir = (std::filesystem::temp_directory_path() / "cafe-bus-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    sqlite_path_ = dir + "/store.sqlite";
    return;
  }
  auto* server = test::PostgresServer::start_or_skip();
  if (server == nullptr) return;
  auto conninfo = server->create_database("b" + id);
  ASSERT_TRUE(conninfo) << conninfo.error().detail;
  conninfo_ = *conninfo;
}

void BusStore::TearDown() {
  if (!sqlite_path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(sqlite_path_).parent_path(), ignored);
  }
}

std::unique_ptr<sql::Database> BusStore::open(StoreTables tables) {
  auto db = is_sqlite() ? sql::open_sqlite({.path = sqlite_path_, .breaker = {.failures_to_open = 0}})
                        : sql::open_postgres({.conninfo = conninfo_, .breaker = {.failures_to_open = 0}});
  EXPECT_TRUE(db) << db.error().detail;
  if (!db) return nullptr;
  auto bus_tables = store_migrations(100, (*db)->backend(), tables);
  EXPECT_TRUE(bus_tables) << bus_tables.error().detail;
  if (!bus_tables) return nullptr;
  std::vector<sql::Migration> all{kEffects};
  all.insert(all.end(), bus_tables->begin(), bus_tables->end());
  auto migrated = (*db)->migrate(all);
  EXPECT_TRUE(migrated) << migrated.error().detail;
  return migrated ? std::move(*db) : nullptr;
}

Result<void> BusStore::transact(sql::Database& db, sql::TransactionBody body) {
  return run([&db, body = std::move(body)]() -> boost::asio::awaitable<Result<void>> {
    auto op = db.transact(body);
    co_return co_await std::move(op);
  });
}

sql::Rows BusStore::query(sql::Database& db, std::string sql, std::vector<sql::Value> params) {
  auto rows = run(
      [&db, sql = std::move(sql), params = std::move(params)]() -> boost::asio::awaitable<Result<sql::Rows>> {
        auto op = db.query(sql, params);
        co_return co_await std::move(op);
      });
  EXPECT_TRUE(rows) << rows.error().detail;
  return rows ? std::move(*rows) : sql::Rows{};
}

std::int64_t BusStore::count(sql::Database& db, const std::string& table) {
  const sql::Rows rows = query(db, "SELECT COUNT(*) FROM " + table);
  if (rows.size() != 1) return -1;
  auto n = sql::as_int(rows.rows[0][0]);
  return n ? *n : -1;
}

Result<void> apply_effect(sql::Transaction& tx, const std::string& consumer, const std::string& event_id) {
  const std::vector<sql::Value> params{consumer, event_id};
  auto r = tx.execute("INSERT INTO effects (consumer, event_id) VALUES (?, ?)", params);
  if (!r) return r.error();
  return ok();
}

bool eventually(const std::function<bool()>& condition) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace cafe::bus::testing
