#include "conformance_fixture.h"

#include "platform/telemetry/log.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace cafe::sql::testing {
namespace {

const Migration kItems{1, "create items",
                       "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty BIGINT, "
                       "price DOUBLE PRECISION, note TEXT);\n"
                       "CREATE TABLE seeds (label TEXT NOT NULL)"};
const Migration kSeed{2, "seed", "INSERT INTO seeds (label) VALUES ('first')"};
const Migration kCounters{3, "counters",
                          "CREATE TABLE counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL);\n"
                          "INSERT INTO counters (name, n) VALUES ('orders', 0)"};

}  // namespace

const std::vector<Migration>& two_migrations() {
  static const std::vector<Migration> m{kItems, kSeed};
  return m;
}

const std::vector<Migration>& three_migrations() {
  static const std::vector<Migration> m{kItems, kSeed, kCounters};
  return m;
}

void DatabaseConformance::SetUp() {
  static std::atomic<int> next_id{0};
  const std::string id = std::to_string(getpid()) + "_" + std::to_string(next_id++);
  if (is_sqlite()) {
    std::string dir = (std::filesystem::temp_directory_path() / "cafe-sql-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    sqlite_path_ = dir + "/store.sqlite";
    return;
  }
  auto* server = test::PostgresServer::start_or_skip();
  if (server == nullptr) return;
  auto conninfo = server->create_database("t" + id);
  ASSERT_TRUE(conninfo) << conninfo.error().detail;
  conninfo_ = *conninfo;
}

void DatabaseConformance::TearDown() {
  if (!sqlite_path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(sqlite_path_).parent_path(), ignored);
  }
}

std::unique_ptr<Database> DatabaseConformance::open(Knobs knobs) {
  auto db = is_sqlite() ? open_sqlite({.path = sqlite_path_,
                                       .reader_threads = knobs.threads,
                                       .queue_limit = knobs.queue_limit,
                                       .breaker = knobs.breaker})
                        : open_postgres({.conninfo = conninfo_,
                                         .pool_size = knobs.threads,
                                         .queue_limit = knobs.queue_limit,
                                         .breaker = knobs.breaker});
  EXPECT_TRUE(db) << db.error().detail;
  if (!db) return nullptr;
  EXPECT_EQ((*db)->backend(), GetParam());
  return std::move(*db);
}

std::unique_ptr<Database> DatabaseConformance::open_migrated(Knobs knobs) {
  auto db = open(knobs);
  if (!db) return nullptr;
  auto migrated = db->migrate(three_migrations());
  EXPECT_TRUE(migrated) << migrated.error().detail;
  return migrated ? std::move(db) : nullptr;
}

Rows query(Database& db, std::string sql, std::vector<Value> params) {
  auto rows = run(db.query(std::move(sql), std::move(params)));
  EXPECT_TRUE(rows) << rows.error().detail;
  return rows ? std::move(*rows) : Rows{};
}

std::int64_t count(Database& db, const std::string& table) {
  const Rows rows = query(db, "SELECT COUNT(*) AS n FROM " + table);
  if (rows.size() != 1) return -1;
  const auto n = as_int(rows.rows[0][0]);
  return n ? *n : -1;
}

LogCapture::LogCapture() {
  std::string dir = (std::filesystem::temp_directory_path() / "cafe-log-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return;
  dir_ = dir;
  started_ = telemetry::init_logging(
                 {.service = "sql-test", .min_level = telemetry::Level::kDebug, .path = dir_ + "/store.log"})
                 .has_value();
}

LogCapture::~LogCapture() {
  telemetry::shutdown_logging();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

std::string LogCapture::text() {
  telemetry::shutdown_logging();
  std::ifstream in(dir_ + "/store.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseConformance, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

Result<void> insert_item(Transaction& t, std::int64_t id, std::string name) {
  const std::vector<Value> params{id, std::move(name)};
  auto r = t.execute("INSERT INTO items (id, name) VALUES (?, ?)", params);
  if (!r) return r.error();
  return ok();
}

}  // namespace cafe::sql::testing
