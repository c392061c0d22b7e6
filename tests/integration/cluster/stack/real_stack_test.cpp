#include "cluster/stack/real_stack.h"

#include "cluster/process.h"
#include "cluster/stack/loopback.h"
#include "integration/cluster/stack/stack_fixture.h"
#include "support/nats_server.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace stack = cluster::stack;

std::string primary_value(stack::RealStack& s) {
  auto conninfo = s.database_for("orders_test");
  if (!conninfo) return "database_for failed: " + conninfo.error().detail;
  auto value = query_value(*conninfo, "SELECT note FROM notes WHERE id = 1");
  return value ? *value : "query failed: " + value.error().detail;
}

TEST(RealStack, ReplicatesWritesToTheStandbyStopsEveryServerAndKeepsTheDataForTheNextStart) {
  TempDir dir;
  const auto first_began = Clock::now();
  auto s = start_stack_or_report(dir.path() / "stack");
  if (!s) return;
  const auto first_took = Clock::now() - first_began;

  ASSERT_EQ(s->components().size(), 4u);
  std::vector<pid_t> pids;
  for (const auto& c : s->components()) {
    EXPECT_TRUE(cluster::process_alive(c.pid)) << c.name;
    EXPECT_NE(c.port, 0) << c.name;
    pids.push_back(c.pid);
  }

  // The service's conninfo names both servers and lands on the writable one.
  auto conninfo = s->database_for("orders_test");
  ASSERT_TRUE(conninfo) << conninfo.error().detail;
  EXPECT_NE(conninfo->find("host=127.0.0.1,127.0.0.1"), std::string::npos) << *conninfo;
  EXPECT_NE(conninfo->find("target_session_attrs=read-write"), std::string::npos) << *conninfo;
  auto wrote = query_value(*conninfo,
                           "CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL); "
                           "INSERT INTO notes VALUES (1, 'kept')");
  ASSERT_TRUE(wrote) << wrote.error().detail;

  // The standby replays it (and refuses writes: it is a standby).
  const std::string standby = s->admin_conninfo("postgres-standby", "orders_test");
  std::string replayed;
  for (const auto until = Clock::now() + 10s; Clock::now() < until && replayed != "kept";) {
    auto value = query_value(standby, "SELECT note FROM notes WHERE id = 1");
    replayed = value ? *value : value.error().detail;
    if (replayed != "kept") std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(replayed, "kept");
  auto in_recovery = query_value(standby, "SELECT pg_is_in_recovery()");
  ASSERT_TRUE(in_recovery) << in_recovery.error().detail;
  EXPECT_EQ(*in_recovery, "t");

  for (const char* bad : {"", "Menu", "menu; DROP DATABASE postgres", "9lives"}) {
    auto refused = s->database_for(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  // One supervisor per stack directory; clean-up never touches a live one.
  auto second = stack::RealStack::start({.dir = dir.path() / "stack"});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition) << second.error().detail;
  auto cleanup = stack::clean_up_after_crash(dir.path() / "stack");
  ASSERT_FALSE(cleanup);
  EXPECT_EQ(cleanup.error().code, ErrorCode::kFailedPrecondition);

  auto pong =
      stack::loopback_exchange(s->redis_port(), "PING\r\n", stack::ReadUntil::kLine, Deadline::after(2s));
  ASSERT_TRUE(pong) << pong.error().detail;
  EXPECT_EQ(*pong, "+PONG\r\n");
  EXPECT_EQ(s->redis_host(), "127.0.0.1");
  EXPECT_TRUE(jetstream_answers(s->nats_url(), 2000)) << s->nats_url();

  ASSERT_TRUE(s->stop());
  for (std::size_t i = 0; i < pids.size(); ++i) {
    EXPECT_FALSE(cluster::process_alive(pids[i])) << s->components()[i].name << " still runs";
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "stack" / "run"));
  EXPECT_TRUE(s->stop()) << "a second stop is a no-op";
  s.reset();

  const auto second_began = Clock::now();
  auto again = start_stack_or_report(dir.path() / "stack");
  if (!again) return;
  const auto second_took = Clock::now() - second_began;
  EXPECT_EQ(primary_value(*again), "kept");
  std::cout << "stack start: first run "
            << std::chrono::duration_cast<std::chrono::milliseconds>(first_took).count() << " ms, second run "
            << std::chrono::duration_cast<std::chrono::milliseconds>(second_took).count() << " ms\n";
}

}  // namespace
}  // namespace cafe::test
