#include "cluster/data_dir.h"

#include "cluster/process.h"
#include "eventually.h"
#include "scratch_dir.h"

#include <gtest/gtest.h>

#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cafe::cluster {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::read_file;
using testing::ScratchDir;
using testing::write_file;

mode_t mode_of(const fs::path& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.create()); }
  ScratchDir scratch_;
  DataDir dir_{scratch_ / "var"};
};

TEST(DataDir, MakesItsRootAbsoluteWithoutATrailingSlash) {
  ScratchDir scratch;
  const DataDir dir(scratch.path().string() + "/x/../var/");
  EXPECT_EQ(dir.root(), scratch / "var");
  EXPECT_TRUE(dir.root().is_absolute());
  EXPECT_EQ(dir.logs(), scratch / "var" / "logs");
  EXPECT_EQ(dir.data("menu"), scratch / "var" / "data" / "menu");
}

TEST_F(DataDirTest, CreatesPrivateDirectories) {
  EXPECT_TRUE(fs::is_directory(dir_.logs()));
  EXPECT_TRUE(fs::is_directory(dir_.root() / "data"));
  // Traversable, not listable: the real stack's servers run as another user.
  EXPECT_EQ(mode_of(dir_.root()), 0711u);
  EXPECT_EQ(mode_of(dir_.logs()), 0700u);
}

TEST_F(DataDirTest, EnsureTokenCreatesAPrivateTokenOnceAndReturnsItAfter) {
  auto first = dir_.ensure_token();
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->size(), 32u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos) << *first;
  EXPECT_EQ(mode_of(dir_.token_file()), 0600u);
  EXPECT_EQ(read_file(dir_.token_file()), *first + "\n");
  auto second = dir_.ensure_token();
  ASSERT_TRUE(second) << second.error().detail;
  EXPECT_EQ(*second, *first);
}

TEST_F(DataDirTest, EnsureTokenGivesEachDataDirItsOwnToken) {
  ScratchDir other_scratch;
  const DataDir other(other_scratch / "var");
  ASSERT_TRUE(other.create());
  EXPECT_NE(*dir_.ensure_token(), *other.ensure_token());
}

TEST_F(DataDirTest, EnsureTokenRefusesATokenFileOthersCanRead) {
  write_file(dir_.token_file(), "0123456789abcdef0123456789abcdef\n");
  ::chmod(dir_.token_file().c_str(), 0640);
  auto token = dir_.ensure_token();
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(token.error().detail.find("chmod 600"), std::string::npos) << token.error().detail;
}

TEST_F(DataDirTest, EnsureTokenRefusesAShortToken) {
  write_file(dir_.token_file(), "short\n");
  ::chmod(dir_.token_file().c_str(), 0600);
  auto token = dir_.ensure_token();
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(DataDirTest, EnsureTokenKeepsAHandWrittenToken) {
  write_file(dir_.token_file(), "a-token-someone-chose-by-hand\r\n");
  ::chmod(dir_.token_file().c_str(), 0600);
  auto token = dir_.ensure_token();
  ASSERT_TRUE(token) << token.error().detail;
  EXPECT_EQ(*token, "a-token-someone-chose-by-hand");
}

// flock belongs to an open file description, so a second open in the same
// process stands in for a second supervisor.
TEST_F(DataDirTest, ASecondLockOnTheSameDataDirIsAConflict) {
  ClusterState state;
  state.supervisor_pid = 4242;
  ASSERT_TRUE(write_state(dir_, state));
  auto first = ClusterLock::acquire(dir_);
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(cluster_running(dir_));
  auto second = ClusterLock::acquire(dir_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().detail.find("4242"), std::string::npos) << second.error().detail;
  EXPECT_TRUE(cluster_running(dir_));
}

TEST_F(DataDirTest, TheLockIsFreeAgainWhenItsHolderLetsGo) {
  EXPECT_FALSE(cluster_running(dir_));  // no lock file yet
  {
    auto lock = ClusterLock::acquire(dir_);
    ASSERT_TRUE(lock);
    auto moved = std::move(*lock);
    EXPECT_TRUE(cluster_running(dir_));
  }
  EXPECT_FALSE(cluster_running(dir_));
  EXPECT_TRUE(ClusterLock::acquire(dir_));
}

TEST_F(DataDirTest, StateRoundTrips) {
  const ClusterState written{.supervisor_pid = 1234,
                             .control = "127.0.0.1:41000",
                             .gateway = "127.0.0.1:8080",
                             .stack = "embedded",
                             .prometheus = "http://127.0.0.1:9090",
                             .ready = true,
                             .failure = "menu/2 \"never\" became ready"};
  ASSERT_TRUE(write_state(dir_, written));
  EXPECT_EQ(mode_of(dir_.state_file()), 0600u);
  auto read = read_state(dir_);
  ASSERT_TRUE(read) << read.error().detail;
  EXPECT_EQ(read->supervisor_pid, 1234);
  EXPECT_EQ(read->control, written.control);
  EXPECT_EQ(read->gateway, written.gateway);
  EXPECT_EQ(read->stack, written.stack);
  EXPECT_EQ(read->prometheus, written.prometheus);
  EXPECT_TRUE(read->ready);
  EXPECT_EQ(read->failure, written.failure);
}

TEST_F(DataDirTest, ReadStateWithoutAFileIsNotFound) {
  auto read = read_state(dir_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
}

TEST_F(DataDirTest, ReadStateRefusesAFileThatIsNotAState) {
  write_file(dir_.state_file(), "{\"supervisor_pid\": 12");
  auto read = read_state(dir_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
}

class StopLeftoverChildren : public DataDirTest {
 protected:
  // A process whose command line names `under` (a `sleep` reached through
  // a link there), running once this returns.
  pid_t sleeper_under(const fs::path& under) {
    fs::create_directories(under);
    const auto program = under / "sleeper";
    fs::create_symlink("/bin/sleep", program);
    ProcessSpec spec;
    spec.argv = {program.string(), "30"};
    spec.env = {"PATH=/usr/bin:/bin"};
    auto pid = spawn(spec);
    EXPECT_TRUE(pid);
    if (!pid) return -1;
    started_.push_back(*pid);
    EXPECT_TRUE(eventually([&] {
      const auto args = process_command_line(*pid);
      return !args.empty() && args.front() == program.string();
    }));
    return *pid;
  }

  pid_t sleeper_elsewhere() {
    ProcessSpec spec;
    spec.argv = {"/bin/sleep", "30"};
    spec.env = {"PATH=/usr/bin:/bin"};
    auto pid = spawn(spec);
    EXPECT_TRUE(pid);
    if (!pid) return -1;
    started_.push_back(*pid);
    EXPECT_TRUE(eventually([&] {
      const auto args = process_command_line(*pid);
      return !args.empty() && args.front() == "/bin/sleep";
    }));
    return *pid;
  }

  // Whether `pid` was ended by SIGKILL (reaping it).
  static bool killed(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return false;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

  void TearDown() override {
    for (pid_t pid : started_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  std::vector<pid_t> started_;
};

TEST_F(StopLeftoverChildren, KillsListedProcessesOfThisDataDirAndLeavesOthers) {
  const pid_t ours = sleeper_under(dir_.root() / "data" / "menu");
  const pid_t stranger = sleeper_elsewhere();
  ASSERT_TRUE(write_child_pids(dir_, {ours, stranger, ::getpid(), 1, 0}));
  EXPECT_EQ(stop_leftover_children(dir_), 1);
  EXPECT_TRUE(killed(ours));
  started_.erase(started_.begin());
  EXPECT_TRUE(process_alive(stranger));
}

// A pid reused by a replica of another cluster whose data dir merely
// begins with this one's path ("var" and "var2").
TEST_F(StopLeftoverChildren, LeavesAProcessOfADataDirThatOnlySharesThePrefix) {
  const pid_t neighbour = sleeper_under(fs::path(dir_.root().string() + "2") / "data");
  ASSERT_TRUE(write_child_pids(dir_, {neighbour}));
  EXPECT_EQ(stop_leftover_children(dir_), 0);
  EXPECT_TRUE(process_alive(neighbour));
}

TEST_F(StopLeftoverChildren, DoesNothingWithoutAPidsFile) {
  EXPECT_EQ(stop_leftover_children(dir_), 0);
}

}  // namespace
}  // namespace cafe::cluster
