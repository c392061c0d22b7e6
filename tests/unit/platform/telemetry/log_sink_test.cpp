#include "platform/telemetry/log.h"
#include "platform/telemetry/metrics.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cafe::telemetry {
namespace {

// A pipe whose write end the logger opens by path; the test reads the other end.
class Pipe {
 public:
  explicit Pipe(int capacity = 0) {
    if (::pipe2(fds_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
    if (capacity > 0) ::fcntl(fds_[1], F_SETPIPE_SZ, capacity);
  }
  ~Pipe() {
    close_write();
    ::close(fds_[0]);
  }
  std::string write_path() const { return "/proc/self/fd/" + std::to_string(fds_[1]); }
  void close_write() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // Reads until every write end is closed.
  std::string read_all() {
    std::string data;
    char buffer[65536];
    while (true) {
      const ssize_t got = ::read(fds_[0], buffer, sizeof buffer);
      if (got <= 0) return data;
      data.append(buffer, static_cast<std::size_t>(got));
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

std::vector<boost::json::object> parse_lines(const std::string& data) {
  std::vector<boost::json::object> lines;
  std::istringstream stream(data);
  std::string line;
  while (std::getline(stream, line)) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << line;
    if (!ec) lines.push_back(value.as_object());
  }
  return lines;
}

TEST(LogSink, DropsAndCountsWithoutBlockingWhenWriterIsStuck) {
  Pipe pipe(4096);  // nobody reads it until the end: the writer blocks after ~4 KiB
  const std::uint64_t dropped_before = dropped_log_lines();
  ASSERT_TRUE(
      init_logging({.service = "menu", .replica = "menu-1", .queue_limit = 4, .path = pipe.write_path()}));
  pipe.close_write();

  constexpr int kLines = 5000;
  const std::string padding(200, 'p');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kLines; ++i) log(Level::kInfo, "filler", {{"i", i}, {"padding", padding}});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(3)) << "log() blocked on a stuck writer";
  const std::uint64_t dropped = dropped_log_lines() - dropped_before;
  EXPECT_GT(dropped, 0u);

  std::string data;
  std::thread reader([&] { data = pipe.read_all(); });
  shutdown_logging();
  reader.join();

  const std::vector<boost::json::object> lines = parse_lines(data);
  EXPECT_EQ(lines.size() + (dropped_log_lines() - dropped_before), static_cast<std::size_t>(kLines));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front().at("service").as_string(), "menu");
  EXPECT_EQ(lines.front().at("replica").as_string(), "menu-1");
  // Overrun drops the oldest queued lines: the last one logged is kept.
  EXPECT_EQ(lines.back().at("i").as_int64(), kLines - 1);

  const std::string exposition = Metrics("menu").render();
  EXPECT_NE(exposition.find("\ncloudcafe_log_lines_dropped_total{service=\"menu\"} " +
                            std::to_string(dropped_log_lines()) + "\n"),
            std::string::npos)
      << exposition;
}

TEST(LogSink, WritesEveryLineWhenQueueKeepsUp) {
  Pipe pipe;
  ASSERT_TRUE(init_logging({.service = "order", .replica = "order-1", .path = pipe.write_path()}));
  pipe.close_write();
  std::string data;
  std::thread reader([&] { data = pipe.read_all(); });
  for (int i = 0; i < 100; ++i) log(Level::kWarn, "tick", {{"i", i}});
  shutdown_logging();
  reader.join();
  const std::vector<boost::json::object> lines = parse_lines(data);
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)].at("i").as_int64(), i);
}

TEST(LogSink, FiltersBelowMinimumLevel) {
  Pipe pipe;
  ASSERT_TRUE(init_logging({.service = "s", .min_level = Level::kWarn, .path = pipe.write_path()}));
  pipe.close_write();
  std::string data;
  std::thread reader([&] { data = pipe.read_all(); });
  log(Level::kDebug, "hidden");
  log(Level::kInfo, "hidden");
  log(Level::kWarn, "shown");
  log(Level::kError, "shown");
  shutdown_logging();
  reader.join();
  const std::vector<boost::json::object> lines = parse_lines(data);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("level").as_string(), "warn");
  EXPECT_EQ(lines[1].at("level").as_string(), "error");
}

TEST(LogSink, SecondInitKeepsFirstConfiguration) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path first = dir / ("cafe_log_first_" + std::to_string(::getpid()));
  const std::filesystem::path second = dir / ("cafe_log_second_" + std::to_string(::getpid()));
  // Pids repeat across runs: a file left by an earlier process must not
  // decide this test.
  std::filesystem::remove(first);
  std::filesystem::remove(second);
  ASSERT_TRUE(init_logging({.service = "first", .path = first.string()}));
  ASSERT_TRUE(init_logging({.service = "second", .path = second.string()}));
  log(Level::kInfo, "hello");
  shutdown_logging();
  std::ifstream in(first);
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find(R"("service":"first")"), std::string::npos) << line;
  EXPECT_FALSE(std::filesystem::exists(second));
  std::filesystem::remove(first);
}

TEST(LogSink, RefusesLogFileThatCannotBeOpened) {
  Result<void> started = init_logging({.service = "s", .path = "/nonexistent-dir/cafe.log"});
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(started.error().detail.find("/nonexistent-dir/cafe.log"), std::string::npos);
}

// Points stderr at another fd for the life of the object.
class StderrRedirect {
 public:
  explicit StderrRedirect(int fd) : saved_(::dup(STDERR_FILENO)) { ::dup2(fd, STDERR_FILENO); }
  ~StderrRedirect() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  StderrRedirect(const StderrRedirect&) = delete;
  StderrRedirect& operator=(const StderrRedirect&) = delete;

 private:
  int saved_;
};

TEST(LogSink, WritesSynchronouslyToStderrBeforeInit) {
  Pipe pipe;
  {
    const int fd = ::open(pipe.write_path().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    StderrRedirect redirect(fd);
    ::close(fd);
    log(Level::kInfo, "early", {{"port", 8080}});
  }
  pipe.close_write();
  const std::vector<boost::json::object> lines = parse_lines(pipe.read_all());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("event").as_string(), "early");
  EXPECT_EQ(lines[0].at("port").as_int64(), 8080);
}

TEST(LogSink, SurvivesLoggingWhileStartingAndStopping) {
  Pipe pipe;
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null_fd, 0);
  StderrRedirect redirect(null_fd);  // lines between runs go to stderr
  ::close(null_fd);
  std::thread reader([&] { pipe.read_all(); });
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&] {
      while (!stop.load()) log(Level::kInfo, "churn", {{"x", 1}});
    });
  }
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 20; ++round) {
    ASSERT_TRUE(init_logging({.service = "s", .queue_limit = 16, .path = pipe.write_path()}));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    shutdown_logging();
  }
  // Shutdown waits only for calls that use the logger, not for the stream of
  // new ones.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  stop = true;
  for (std::thread& writer : writers) writer.join();
  pipe.close_write();
  reader.join();
}

}  // namespace
}  // namespace cafe::telemetry
