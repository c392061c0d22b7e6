// PostgreSQL-only behaviour: server-side deadlines and reconnecting after
// the server drops a connection.
#include "conformance_fixture.h"

#include <unistd.h>

namespace cafe::sql::testing {
namespace {

using namespace std::chrono_literals;

class PostgresDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    static int next = 0;
    auto* server = test::PostgresServer::start_or_skip();
    if (server == nullptr) return;
    auto conninfo = server->create_database("p" + std::to_string(getpid()) + "_" + std::to_string(next++));
    ASSERT_TRUE(conninfo) << conninfo.error().detail;
    conninfo_ = *conninfo;
  }

  std::unique_ptr<Database> open(std::chrono::milliseconds statement_timeout = 5000ms) {
    auto db = open_postgres({.conninfo = conninfo_, .pool_size = 1, .statement_timeout = statement_timeout});
    EXPECT_TRUE(db) << db.error().detail;
    return db ? std::move(*db) : nullptr;
  }

  std::string conninfo_;
};

TEST_F(PostgresDatabase, StatementTimeoutIsDeadlineExceeded) {
  auto db = open(100ms);
  ASSERT_TRUE(db);
  const auto slow = run(db->query("SELECT pg_sleep(5)", {}));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(query(*db, "SELECT 1 AS one").size(), 1u);  // the connection survives
}

TEST_F(PostgresDatabase, ReconnectsAfterTheServerDropsTheConnection) {
  auto db = open();
  auto admin = open();
  ASSERT_TRUE(db && admin);
  const Rows pid = query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(pid.size(), 1u);
  const Rows killed = query(*admin, "SELECT pg_terminate_backend(?::int)", {pid.rows[0][0]});
  ASSERT_EQ(killed.size(), 1u);

  const auto lost = run(db->query("SELECT 1", {}));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  const Rows again = query(*db, "SELECT pg_backend_pid()");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again.rows[0][0], pid.rows[0][0]);
}

TEST_F(PostgresDatabase, UnreachableServerIsUnavailable) {
  // A port nothing listens on: the connect fails fast and says so.
  const auto db = open_postgres({.conninfo = "host=127.0.0.1 port=1 dbname=none", .connect_timeout = 1000ms});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
}

TEST_F(PostgresDatabase, ConvertsColumnsByType) {
  auto db = open();
  ASSERT_TRUE(db);
  const Rows r =
      query(*db, "SELECT 1::int2, 2::int4, true, 1.5::float4, 2.25::numeric, 'x'::varchar, NULL::int8");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<Value>{std::int64_t{1}, std::int64_t{2}, std::int64_t{1}, 1.5, 2.25,
                                           std::string("x"), Null{}}));
}

}  // namespace
}  // namespace cafe::sql::testing
