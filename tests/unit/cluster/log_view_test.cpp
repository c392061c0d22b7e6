#include "cluster/log_view.h"

#include "scratch_dir.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cafe::cluster {
namespace {

namespace fs = std::filesystem;
using testing::append_file;
using testing::ScratchDir;
using testing::write_file;

// A line as replicas write it (`ts` first), at second `second` of 21:06.
std::string line_at(int second, std::string_view event) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "2026-11-29T21:06:%02d.000Z", second);
  return std::string(R"({"ts":")") + ts + R"(","level":"info","event":")" + std::string(event) + "\"}";
}

std::vector<std::string> file_names(const std::vector<fs::path>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.filename().string());
  return out;
}

struct Collected {
  std::vector<std::string> lines;
  std::function<void(std::string_view)> emit() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

TEST(PrettyLogLine, ShowsTimeReplicaLevelEventThenTheFields) {
  const std::string line =
      R"({"ts":"2026-11-29T21:20:23.358Z","level":"info","service":"menu","replica":"menu/1",)"
      R"("event":"listening","address":"127.0.0.1:37637","admin":false,"threads":1})";
  EXPECT_EQ(pretty_log_line(line),
            "21:20:23.358 menu/1       info  listening address=127.0.0.1:37637 admin=false threads=1");
}

TEST(PrettyLogLine, ShowsTheServiceWhenTheLineNamesNoReplica) {
  EXPECT_EQ(pretty_log_line(
                R"({"ts":"2026-11-29T21:20:23.358Z","level":"warn","service":"supervisor","event":"x"})"),
            "21:20:23.358 supervisor   warn  x");
}

TEST(PrettyLogLine, QuotesStringsWithSpacesOrEqualsSigns) {
  const auto out = pretty_log_line(
      R"({"ts":"2026-11-29T21:20:23.358Z","level":"error","replica":"menu/2","event":"failed",)"
      R"("reason":"disk full now","query":"a=b","quote":"say \"hi\"","path":"/menu"})");
  EXPECT_EQ(
      out,
      R"(21:20:23.358 menu/2       error failed reason="disk full now" query="a=b" quote="say \"hi\"" path=/menu)");
}

TEST(PrettyLogLine, ShowsFractionsWithThreeDecimalsAndNestedValuesAsJson) {
  const auto out = pretty_log_line(
      R"({"ts":"2026-11-29T21:20:23.358Z","level":"info","replica":"menu/1","event":"http_request",)"
      R"("duration_ms":0.428627,"status":200,"tags":["a","b"],"peer":null})");
  EXPECT_EQ(
      out,
      R"(21:20:23.358 menu/1       info  http_request duration_ms=0.429 status=200 tags=["a","b"] peer=null)");
}

TEST(PrettyLogLine, LeavesALineThatIsNotAJsonObjectUnchanged) {
  EXPECT_EQ(pretty_log_line("AddressSanitizer: heap-use-after-free on address 0x6020"),
            "AddressSanitizer: heap-use-after-free on address 0x6020");
  EXPECT_EQ(pretty_log_line("[1,2,3]"), "[1,2,3]");
  EXPECT_EQ(pretty_log_line(R"({"ts":"2026-11-29T21:20)"), R"({"ts":"2026-11-29T21:20)");
  EXPECT_EQ(pretty_log_line(""), "");
}

// JSON carries control characters escaped; printed raw, a "\n" in a value
// (or a key) forges a second log line and an ESC drives the terminal.
TEST(PrettyLogLine, KeepsControlCharactersInValuesAndKeysEscaped) {
  const auto out = pretty_log_line(
      R"({"ts":"2026-11-29T21:20:23.358Z","level":"warn","replica":"menu/1","event":"bad_input",)"
      R"("value":"a\nb","colour":"\u001b[31mred","ta\tb":1})");
  EXPECT_EQ(out.find_first_of("\n\r\t\x1b"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(value="a\nb")"), std::string::npos) << out;
}

class LogFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"menu-1.log", "menu-2.log", "menu-10.log", "gateway-1.log", "bus-1.log",
                             "supervisor.log", "menu-1.log.old", "notes.txt"})
      write_file(dir_ / name, "");
    fs::create_directory(dir_ / "menu-3.log");
  }
  ScratchDir dir_;
};

TEST_F(LogFiles, AnEmptyFilterSelectsEveryLogFile) {
  EXPECT_EQ(file_names(log_files(dir_.path(), "")),
            (std::vector<std::string>{"bus-1.log", "gateway-1.log", "menu-1.log", "menu-10.log", "menu-2.log",
                                      "supervisor.log"}));
}

TEST_F(LogFiles, AServiceSelectsItsReplicas) {
  EXPECT_EQ(file_names(log_files(dir_.path(), "menu")),
            (std::vector<std::string>{"menu-1.log", "menu-10.log", "menu-2.log"}));
  EXPECT_EQ(file_names(log_files(dir_.path(), "gateway")), (std::vector<std::string>{"gateway-1.log"}));
}

TEST_F(LogFiles, AReplicaIsNamedWithASlashOrADash) {
  EXPECT_EQ(file_names(log_files(dir_.path(), "menu/1")), (std::vector<std::string>{"menu-1.log"}));
  EXPECT_EQ(file_names(log_files(dir_.path(), "menu-1")), (std::vector<std::string>{"menu-1.log"}));
  EXPECT_TRUE(log_files(dir_.path(), "menu/7").empty());
}

TEST_F(LogFiles, TheSupervisorIsSelectedByName) {
  EXPECT_EQ(file_names(log_files(dir_.path(), "supervisor")), (std::vector<std::string>{"supervisor.log"}));
}

TEST_F(LogFiles, AMissingDirectoryHasNoFiles) {
  EXPECT_TRUE(log_files(dir_ / "absent", "").empty());
}

TEST(MergeLogs, OrdersLinesAcrossFilesByTime) {
  ScratchDir dir;
  write_file(dir / "menu-1.log", line_at(1, "a1") + "\n" + line_at(3, "a3") + "\n" + line_at(6, "a6") + "\n");
  write_file(dir / "menu-2.log", line_at(2, "b2") + "\n" + line_at(4, "b4") + "\n");
  write_file(dir / "gateway-1.log", line_at(5, "g5") + "\n");
  Collected out;
  merge_logs({dir / "gateway-1.log", dir / "menu-1.log", dir / "menu-2.log"}, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{line_at(1, "a1"), line_at(2, "b2"), line_at(3, "a3"),
                                                 line_at(4, "b4"), line_at(5, "g5"), line_at(6, "a6")}));
}

TEST(MergeLogs, KeepsALineWithoutTimeAfterTheLineBeforeIt) {
  ScratchDir dir;
  // A crash report on stderr between two JSON lines.
  write_file(dir / "menu-1.log", line_at(1, "a1") + "\n" + line_at(3, "a3") +
                                     "\nSegmentation fault\n  frame #0\n" + line_at(6, "a6") + "\n");
  write_file(dir / "menu-2.log", line_at(2, "b2") + "\n" + line_at(4, "b4") + "\n");
  Collected out;
  merge_logs({dir / "menu-1.log", dir / "menu-2.log"}, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{line_at(1, "a1"), line_at(2, "b2"), line_at(3, "a3"),
                                                 "Segmentation fault", "  frame #0", line_at(4, "b4"),
                                                 line_at(6, "a6")}));
}

TEST(MergeLogs, ReturnsTheOffsetReachedInEachFile) {
  ScratchDir dir;
  write_file(dir / "menu-1.log", line_at(1, "a1") + "\n" + line_at(3, "a3") + "\n");
  write_file(dir / "menu-2.log", "");
  Collected out;
  const auto offsets = merge_logs({dir / "menu-1.log", dir / "menu-2.log"}, out.emit());
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets.at(dir / "menu-1.log"), fs::file_size(dir / "menu-1.log"));
  EXPECT_EQ(offsets.at(dir / "menu-2.log"), 0u);
}

// `cloudcafe logs -f` merges what is there, then follows from the offsets:
// a replica may be half-way through writing a line when the merge reads.
TEST(MergeLogs, FollowingAfterAMergeThatEndedMidLineLosesNothing) {
  ScratchDir dir;
  const auto file = dir / "menu-1.log";
  const std::string second = line_at(2, "second");
  write_file(file, line_at(1, "first") + "\n" + second.substr(0, 20));
  Collected out;
  auto offsets = merge_logs({file}, out.emit());
  EXPECT_LE(offsets.at(file), fs::file_size(file));
  append_file(file, second.substr(20) + "\n" + line_at(3, "third") + "\n");
  read_appended({file}, offsets, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{line_at(1, "first"), second, line_at(3, "third")}));
}

TEST(ReadAppended, ReadsOnlyCompleteNewLines) {
  ScratchDir dir;
  const auto file = dir / "menu-1.log";
  write_file(file, line_at(1, "old") + "\n");
  Collected out;
  auto offsets = merge_logs({file}, out.emit());
  out.lines.clear();

  const std::string next = line_at(2, "new");
  append_file(file, next.substr(0, 10));
  read_appended({file}, offsets, out.emit());
  EXPECT_TRUE(out.lines.empty());

  append_file(file, next.substr(10) + "\n");
  read_appended({file}, offsets, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{next}));
  EXPECT_EQ(offsets.at(file), fs::file_size(file));

  read_appended({file}, offsets, out.emit());
  EXPECT_EQ(out.lines.size(), 1u);
}

TEST(ReadAppended, ReadsATruncatedFileFromItsStartAgain) {
  ScratchDir dir;
  const auto file = dir / "menu-1.log";
  write_file(file, line_at(1, "a") + "\n" + line_at(2, "b") + "\n");
  Collected out;
  auto offsets = merge_logs({file}, out.emit());
  out.lines.clear();
  write_file(file, line_at(3, "c") + "\n");
  read_appended({file}, offsets, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{line_at(3, "c")}));
  EXPECT_EQ(offsets.at(file), fs::file_size(file));
}

TEST(ReadAppended, ReadsANewFileFromItsStart) {
  ScratchDir dir;
  std::map<fs::path, std::uintmax_t> offsets;
  write_file(dir / "menu-3.log", line_at(1, "a") + "\n");
  Collected out;
  read_appended({dir / "menu-3.log", dir / "absent.log"}, offsets, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{line_at(1, "a")}));
}

TEST(ReadAppended, EmitsInTimeOrderAcrossFiles) {
  ScratchDir dir;
  write_file(dir / "menu-1.log", "");
  write_file(dir / "menu-2.log", "");
  Collected out;
  auto offsets = merge_logs({dir / "menu-1.log", dir / "menu-2.log"}, out.emit());
  append_file(dir / "menu-1.log", line_at(1, "a1") + "\n" + line_at(4, "a4") + "\nstack trace\n");
  append_file(dir / "menu-2.log", line_at(2, "b2") + "\n" + line_at(5, "b5") + "\n");
  read_appended({dir / "menu-1.log", dir / "menu-2.log"}, offsets, out.emit());
  EXPECT_EQ(out.lines, (std::vector<std::string>{line_at(1, "a1"), line_at(2, "b2"), line_at(4, "a4"),
                                                 "stack trace", line_at(5, "b5")}));
}

TEST(ReadAppended, ReadsAtMostMaxBytesPerFileAndTheRestOnTheNextCall) {
  ScratchDir dir;
  const auto file = dir / "menu-1.log";
  const std::string a = line_at(1, "a");
  const std::string b = line_at(2, "b");
  std::map<fs::path, std::uintmax_t> offsets;
  write_file(file, a + "\n" + b + "\n");
  Collected out;
  read_appended({file}, offsets, out.emit(), a.size() + 5);
  EXPECT_EQ(out.lines, (std::vector<std::string>{a}));
  read_appended({file}, offsets, out.emit(), a.size() + 5);
  EXPECT_EQ(out.lines, (std::vector<std::string>{a, b}));
}

// A line longer than one call may read (a replica dumping a large value)
// must not stop the follow of that file for good: it is shown cut, and the
// lines after it whole.
TEST(ReadAppended, MovesPastALineLongerThanMaxBytes) {
  ScratchDir dir;
  const auto file = dir / "menu-1.log";
  std::map<fs::path, std::uintmax_t> offsets;
  write_file(file, std::string(100, 'x') + "\n" + line_at(2, "after") + "\n");
  Collected out;
  for (int call = 0; call < 10; ++call) read_appended({file}, offsets, out.emit(), 80);
  EXPECT_EQ(out.lines, (std::vector<std::string>{std::string(80, 'x'), line_at(2, "after")}));
}

}  // namespace
}  // namespace cafe::cluster
