#include "cluster/process.h"

#include "eventually.h"
#include "scratch_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace cafe::cluster {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::eventually;
using testing::read_file;
using testing::ScratchDir;

const std::vector<std::string> kPathOnly = {"PATH=/usr/bin:/bin"};

// `argv` with only PATH in its environment, logging to `log` (or nowhere).
ProcessSpec command(std::vector<std::string> argv, fs::path log = {}) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = kPathOnly;
  spec.log_path = std::move(log);
  return spec;
}

// The same, run in `cwd`.
ProcessSpec command_in(fs::path cwd, std::vector<std::string> argv, fs::path log) {
  ProcessSpec spec = command(std::move(argv), std::move(log));
  spec.cwd = std::move(cwd);
  return spec;
}

// Waits for `pid` to end; its raw wait status.
int wait_for_exit(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// True once `pid` runs `program` (its exec is done, so is everything
// spawn() does in the child before it).
bool runs(pid_t pid, const std::string& program) {
  const auto args = process_command_line(pid);
  return !args.empty() && args.front() == program;
}

TEST(Spawn, RunsTheProgramWithItsOutputInTheLogFile) {
  ScratchDir dir;
  auto pid = spawn(command({"/bin/sh", "-c", "echo hi; echo oops >&2; exit 3"}, dir / "sh.log"));
  ASSERT_TRUE(pid) << pid.error().detail;
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 3);
  EXPECT_EQ(read_file(dir / "sh.log"), "hi\noops\n");
}

TEST(Spawn, AppendsToAnExistingLogFile) {
  ScratchDir dir;
  testing::write_file(dir / "sh.log", "before\n");
  auto pid = spawn(command({"/bin/sh", "-c", "echo after"}, dir / "sh.log"));
  ASSERT_TRUE(pid);
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 0);
  EXPECT_EQ(read_file(dir / "sh.log"), "before\nafter\n");
}

TEST(Spawn, PassesExactlyTheGivenEnvironment) {
  ScratchDir dir;
  ::setenv("CAFE_SPAWN_TEST_LEAK", "1", 1);
  ProcessSpec spec = command({"/usr/bin/env"}, dir / "env.log");
  spec.env = {"CAFE_A=1", "CAFE_B=two words"};
  auto pid = spawn(spec);
  ::unsetenv("CAFE_SPAWN_TEST_LEAK");
  ASSERT_TRUE(pid);
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 0);
  EXPECT_EQ(read_file(dir / "env.log"), "CAFE_A=1\nCAFE_B=two words\n");
}

TEST(Spawn, LooksUpAProgramWithoutASlashInPath) {
  ScratchDir dir;
  auto pid = spawn(command({"sh", "-c", "exit 4"}, dir / "sh.log"));
  ASSERT_TRUE(pid);
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 4);
}

TEST(Spawn, RunsInTheGivenWorkingDirectory) {
  ScratchDir dir;
  fs::create_directory(dir / "work");
  auto pid = spawn(command_in(dir / "work", {"/bin/pwd"}, dir / "pwd.log"));
  ASSERT_TRUE(pid);
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 0);
  EXPECT_EQ(read_file(dir / "pwd.log"), fs::canonical(dir / "work").string() + "\n");
}

TEST(Spawn, AMissingProgramExits127WithTheReasonInTheLog) {
  ScratchDir dir;
  auto pid = spawn(command({"/nonexistent/cafe-no-such-program", "--flag"}, dir / "missing.log"));
  ASSERT_TRUE(pid) << "a failed exec shows in the child, not in spawn()";
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 127);
  const auto log = read_file(dir / "missing.log");
  EXPECT_NE(log.find("/nonexistent/cafe-no-such-program"), std::string::npos) << log;
  EXPECT_NE(log.find("No such file or directory"), std::string::npos) << log;
}

TEST(Spawn, AMissingWorkingDirectoryExits127WithTheReasonInTheLog) {
  ScratchDir dir;
  auto pid = spawn(command_in(dir / "absent", {"/bin/pwd"}, dir / "cwd.log"));
  ASSERT_TRUE(pid);
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 127);
  EXPECT_NE(read_file(dir / "cwd.log").find((dir / "absent").string()), std::string::npos);
}

TEST(Spawn, RefusesAnEmptyCommand) {
  auto pid = spawn({});
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().code, ErrorCode::kInvalidArgument);
}

TEST(Spawn, TheChildLeadsItsOwnSessionAndProcessGroup) {
  auto pid = spawn(command({"/bin/sleep", "30"}));
  ASSERT_TRUE(pid);
  ASSERT_TRUE(eventually([&] { return runs(*pid, "/bin/sleep"); }));
  EXPECT_EQ(::getsid(*pid), *pid);
  EXPECT_EQ(::getpgid(*pid), *pid);
  EXPECT_NE(::getsid(*pid), ::getsid(0));
  ::kill(*pid, SIGKILL);
  wait_for_exit(*pid);
}

TEST(Spawn, TheChildDiesWithTheProcessThatSpawnedIt) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t supervisor = ::fork();
  ASSERT_GE(supervisor, 0);
  if (supervisor == 0) {
    // A stand-in supervisor: start a replica, see it running, then die.
    ::close(pipe_fds[0]);
    auto child = spawn(command({"/bin/sleep", "30"}));
    if (!child) ::_exit(2);
    const pid_t pid = *child;
    if (::write(pipe_fds[1], &pid, sizeof pid) != sizeof pid) ::_exit(3);
    // Past its exec the replica has its parent-death signal set.
    if (!eventually([&] { return runs(pid, "/bin/sleep"); })) ::_exit(4);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  pid_t replica = 0;
  ASSERT_EQ(::read(pipe_fds[0], &replica, sizeof replica), static_cast<ssize_t>(sizeof replica));
  ::close(pipe_fds[0]);
  EXPECT_EQ(exit_code(wait_for_exit(supervisor)), 0);
  const bool gone = eventually([&] { return !process_alive(replica); }, 1s);
  if (!gone) ::kill(replica, SIGKILL);
  EXPECT_TRUE(gone) << "replica " << replica << " outlived its supervisor";
}

TEST(Spawn, RunsAsTheGivenAccount) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching accounts needs root";
  auto nobody = lookup_user("nobody");
  ASSERT_TRUE(nobody) << nobody.error().detail;
  ScratchDir dir;
  ProcessSpec spec = command_in("/", {"/usr/bin/id", "-u"}, dir / "id.log");
  spec.run_as = *nobody;
  auto pid = spawn(spec);
  ASSERT_TRUE(pid);
  EXPECT_EQ(exit_code(wait_for_exit(*pid)), 0);
  EXPECT_EQ(read_file(dir / "id.log"), std::to_string(nobody->uid) + "\n");
}

TEST(LookupUser, FindsAnAccountAndRefusesAnUnknownOne) {
  auto root = lookup_user("root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->uid, 0u);
  auto missing = lookup_user("cafe-no-such-account");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(ProcessAlive, IsFalseForAReapedOrInvalidProcess) {
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-1));
  auto pid = spawn(command({"/bin/sh", "-c", "exit 0"}));
  ASSERT_TRUE(pid);
  // A zombie is not alive.
  EXPECT_TRUE(eventually([&] { return !process_alive(*pid); }));
  wait_for_exit(*pid);
  EXPECT_FALSE(process_alive(*pid));
}

TEST(ProcessCommandLine, SplitsTheArguments) {
  auto pid = spawn(command({"/bin/sleep", "30"}));
  ASSERT_TRUE(pid);
  ASSERT_TRUE(eventually([&] { return runs(*pid, "/bin/sleep"); }));
  EXPECT_EQ(process_command_line(*pid), (std::vector<std::string>{"/bin/sleep", "30"}));
  ::kill(*pid, SIGKILL);
  wait_for_exit(*pid);
  EXPECT_TRUE(process_command_line(*pid).empty());
}

TEST(ProcessMemory, OfThisProcessIsNonZero) {
  auto memory = process_memory(::getpid());
  ASSERT_TRUE(memory);
  EXPECT_GT(memory->pss_bytes, 0u);
  EXPECT_GT(memory->rss_bytes, 0u);
  EXPECT_GE(memory->rss_bytes, memory->pss_bytes);
}

TEST(ProcessMemory, OfAGoneProcessIsAbsent) {
  auto pid = spawn(command({"/bin/sh", "-c", "exit 0"}));
  ASSERT_TRUE(pid);
  wait_for_exit(*pid);
  EXPECT_EQ(process_memory(*pid), std::nullopt);
}

TEST(EnvironmentWithout, DropsTheVariablesWithTheGivenPrefixes) {
  ::setenv("CAFE_ENV_TEST_DROP_ME", "1", 1);
  ::setenv("CAFE_ENV_TEST_ALSO_DROP", "2", 1);
  ::setenv("CAFE_ENV_TEST_KEEP", "3", 1);
  const auto env = environment_without({"CAFE_ENV_TEST_DROP", "CAFE_ENV_TEST_ALSO"});
  ::unsetenv("CAFE_ENV_TEST_DROP_ME");
  ::unsetenv("CAFE_ENV_TEST_ALSO_DROP");
  ::unsetenv("CAFE_ENV_TEST_KEEP");
  EXPECT_NE(std::find(env.begin(), env.end(), "CAFE_ENV_TEST_KEEP=3"), env.end());
  for (const auto& e : env) {
    EXPECT_FALSE(e.starts_with("CAFE_ENV_TEST_DROP")) << e;
    EXPECT_FALSE(e.starts_with("CAFE_ENV_TEST_ALSO")) << e;
  }
  EXPECT_FALSE(environment_without({}).empty());
}

TEST(ParseSignal, ReadsNamesWithOrWithoutSigInAnyCaseAndNumbers) {
  EXPECT_EQ(parse_signal("KILL"), SIGKILL);
  EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
  EXPECT_EQ(parse_signal("sigterm"), SIGTERM);
  EXPECT_EQ(parse_signal("Stop"), SIGSTOP);
  EXPECT_EQ(parse_signal("9"), SIGKILL);
  EXPECT_EQ(parse_signal("15"), SIGTERM);
}

TEST(ParseSignal, RefusesUnknownNamesAndNumbers) {
  for (const char* text : {"", "FOO", "SIG", "99", "0", "-9", " 9", "9 ", "SIGKILLX", "KILL9"})
    EXPECT_EQ(parse_signal(text), std::nullopt) << "'" << text << "'";
}

TEST(SignalName, NamesKnownSignalsAndNumbersTheRest) {
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(99), "signal 99");
  for (int s : {SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGTERM, SIGCONT,
                SIGSTOP, SIGTSTP})
    EXPECT_EQ(parse_signal(signal_name(s)), s) << s;
}

}  // namespace
}  // namespace cafe::cluster
