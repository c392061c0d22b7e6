// `cloudcafe serve` shutting down, driving the built binary: the phases in
// order and exit 0 on SIGTERM; and, when a phase cannot finish because the
// database stopped answering, the final deadline: the process logs what
// still runs and exits non-zero within it instead of hanging.
#include "support/postgres_server.h"
#include "support/serve_process.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ServeShutdown, ExitsZeroOnSigtermAfterEveryPhaseInOrder) {
  TempDir dir;
  ServeProcess menu(dir.path(), "menu",
                    "log: {access_log: false}\nshutdown: {timeout: 5s}\nhttp: {drain_timeout: 1s}\n");
  ASSERT_TRUE(menu.spawned());
  ASSERT_TRUE(menu.wait_ready(20s)) << menu.log();
  menu.terminate();
  ASSERT_TRUE(menu.wait_exit(10s)) << menu.log();
  ASSERT_TRUE(WIFEXITED(menu.status()));
  EXPECT_EQ(WEXITSTATUS(menu.status()), 0) << menu.log();
  const std::string log = menu.log();
  std::size_t at = 0;
  for (const char* phase :
       {"stop_accepting", "drain", "stop_background", "close_clients", "close_database", "stop_io"}) {
    const std::size_t found = log.find(std::string("\"phase\":\"") + phase + "\"", at);
    ASSERT_NE(found, std::string::npos) << phase << " missing or out of order in:\n" << log;
    at = found;
  }
}

// Every process of the PostgreSQL server: the postmaster and its children.

TEST(ServeShutdown, ExitsNonZeroAtTheFinalDeadlineWhenTheDatabaseHangs) {
  PostgresServer* pg = PostgresServer::start_or_skip();
  if (!pg) return;
  auto conninfo = pg->create_database("menu_e2e_" + std::to_string(::getpid()));
  ASSERT_TRUE(conninfo) << conninfo.error().detail;
  TempDir dir;
  ServeProcess menu(dir.path(), "menu",
                    "log: {access_log: false}\n"
                    "http: {drain_timeout: 300ms}\n"
                    "shutdown: {timeout: 2s}\n"
                    "menu:\n"
                    "  refresh_interval: 50ms\n"
                    "  store: {backend: postgres, deadline: 30s, postgres: {conninfo: \"" +
                        *conninfo + "\"}}\n");
  ASSERT_TRUE(menu.spawned());
  ASSERT_TRUE(menu.wait_ready(30s)) << menu.log();

  Clock::time_point began;
  {
    test::PostgresServer::Paused frozen(*pg);
    ASSERT_TRUE(frozen.status()) << frozen.status().error().detail;
    // The refresher's next version check (every 50 ms) now waits on the
    // frozen server: the task cannot end, so neither can the shutdown.
    std::this_thread::sleep_for(300ms);
    began = Clock::now();
    menu.terminate();
    const bool exited = menu.wait_exit(10s);
    const auto took = Clock::now() - began;
    ASSERT_TRUE(exited) << "still running 10 s after SIGTERM:\n" << menu.log();
    ASSERT_TRUE(WIFEXITED(menu.status())) << menu.log();
    EXPECT_EQ(WEXITSTATUS(menu.status()), 3) << menu.log();
    EXPECT_GE(took, 1900ms) << "it gave up before its deadline";
    EXPECT_LT(took, 5s) << "it overran its deadline by far";
  }
  const std::string log = menu.log();
  const auto line = log.find("\"event\":\"shutdown_timed_out\"");
  ASSERT_NE(line, std::string::npos) << log;
  std::printf("%s\n",
              log.substr(log.rfind('\n', line) + 1, log.find('\n', line) - log.rfind('\n', line)).c_str());
  EXPECT_NE(log.find("menu-refresher"), std::string::npos) << log;
  EXPECT_NE(log.find("stop_background"), std::string::npos) << log;
}

}  // namespace
}  // namespace cafe::test
