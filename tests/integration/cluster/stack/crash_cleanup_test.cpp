#include "cluster/process.h"
#include "cluster/stack/loopback.h"
#include "cluster/stack/pid_records.h"
#include "cluster/stack/real_stack.h"
#include "cluster/stack/redis.h"
#include "integration/cluster/stack/stack_fixture.h"
#include "support/serve_process.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace stack = cluster::stack;

bool gone_within(pid_t pid, std::chrono::milliseconds within) {
  for (const auto until = Clock::now() + within; Clock::now() < until;) {
    if (!cluster::process_alive(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return !cluster::process_alive(pid);
}

// The supervisor of this test: a forked child that starts the stack, plus
// one server started without a parent-death signal (a server that outlives
// its supervisor is what clean_up_after_crash exists for), reports their
// pids on `out`, and waits to be killed.
[[noreturn]] void run_supervisor(const std::filesystem::path& dir, int out) {
  std::ostringstream report;
  auto s = stack::RealStack::start({.dir = dir});
  if (!s) {
    report << "error " << s.error().detail;
  } else {
    for (const auto& c : (*s)->components()) report << c.pid << ' ';
    // A Unix socket, no TCP port: no port to race other tests for.
    cluster::ProcessSpec stray{
        .argv = {stack::redis_binary().value().string(), "--port", "0", "--unixsocket",
                 (dir / "run" / "stray.sock").string(), "--save", "", "--appendonly", "no"},
        .env = cluster::environment_without({}),
        .log_path = dir / "logs" / "stray.log",
        .cwd = {},
        .run_as = std::nullopt,
        .death_signal = 0};
    const pid_t pid = cluster::spawn(stray).value();
    // Serving before the supervisor dies: a child killed between fork and
    // exec exits on its own (spawn's parent check), which is not the case
    // under test.
    for (const auto until = Clock::now() + 10s;
         !std::filesystem::exists(dir / "run" / "stray.sock") && Clock::now() < until;) {
      std::this_thread::sleep_for(10ms);
    }
    (void)stack::write_pid_record(
        dir / "run",
        {.name = "stray", .pid = pid, .start_time = stack::process_start_time(pid), .stop_signal = SIGTERM});
    report << "stray " << pid;
  }
  report << '\n';
  const std::string text = report.str();
  (void)::write(out, text.data(), text.size());
  for (;;) ::pause();
}

std::string read_line(int fd, std::chrono::milliseconds within) {
  std::string line;
  const auto until = Clock::now() + within;
  while (line.find('\n') == std::string::npos && Clock::now() < until) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[512];
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n <= 0) break;
    line.append(chunk, static_cast<std::size_t>(n));
  }
  return line;
}

TEST(RealStackCrash, ServersDieWithAKilledSupervisorAndCleanUpStopsWhatOutlivedIt) {
  if (!stack_binaries_or_report()) return;
  TempDir dir;
  const auto stack_dir = dir.path() / "stack";
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t supervisor = ::fork();
  ASSERT_GE(supervisor, 0);
  if (supervisor == 0) {
    ::close(pipe_fds[0]);
    run_supervisor(stack_dir, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  const std::string report = read_line(pipe_fds[0], 40s);
  ::close(pipe_fds[0]);

  ::kill(supervisor, SIGKILL);
  int status = 0;
  ::waitpid(supervisor, &status, 0);
  ASSERT_FALSE(report.starts_with("error") || report.empty()) << report;

  std::istringstream fields(report);
  std::vector<pid_t> servers(4);
  std::string word;
  pid_t stray = 0;
  for (auto& pid : servers) fields >> pid;
  fields >> word >> stray;
  ASSERT_EQ(word, "stray") << report;

  // The parent-death signal took every stack server down with the supervisor.
  for (const pid_t pid : servers)
    EXPECT_TRUE(gone_within(pid, 10s)) << "server " << pid << " outlived the supervisor";
  ASSERT_TRUE(cluster::process_alive(stray)) << read_file(stack_dir / "logs" / "stray.log");

  // The next supervisor stops what is still listed, and only that.
  auto cleaned = stack::clean_up_after_crash(stack_dir);
  ASSERT_TRUE(cleaned) << cleaned.error().detail;
  EXPECT_TRUE(gone_within(stray, 2s));
  EXPECT_TRUE(std::filesystem::is_empty(stack_dir / "run"));
  EXPECT_TRUE(stack::clean_up_after_crash(stack_dir)) << "nothing left to do is success";

  // And the stack comes back on the data the crash left (PostgreSQL recovers).
  auto s = start_stack_or_report(stack_dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->components().size(), 4u);
}

}  // namespace
}  // namespace cafe::test
