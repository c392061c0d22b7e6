#include "cluster/process.h"
#include "cluster/stack/child_process.h"
#include "support/local_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;

std::filesystem::path rules_dir() {
  return CAFE_PROMETHEUS_RULES_DIR;
}

// promtool <args...> in the rules' directory, bounded; its output in the result.
Result<void> promtool(std::vector<std::string> args, const std::filesystem::path& log) {
  cluster::ProcessSpec spec;
  spec.argv = {"/usr/bin/promtool"};
  spec.env = cluster::environment_without({});
  spec.log_path = log;
  spec.cwd = rules_dir();
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  return cluster::stack::run_to_completion(spec, Deadline::after(20s), "promtool " + args.front());
}

class RecordingRules : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/promtool", X_OK) != 0) fail_or_skip("promtool", "/usr/bin/promtool not found");
    log_ = std::filesystem::temp_directory_path() / ("cafe-promtool-" + std::to_string(::getpid()) + ".log");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove(log_, ignored);
  }
  std::filesystem::path log_;
};

TEST_F(RecordingRules, AreValidForPrometheus) {
  auto checked = promtool({"check", "rules", "rules.yml"}, log_);
  EXPECT_TRUE(checked) << checked.error().detail;
}

TEST_F(RecordingRules, GiveTheRateErrorRatioAndPercentilesOfKnownSeries) {
  auto tested = promtool({"test", "rules", "rules_test.yml"}, log_);
  EXPECT_TRUE(tested) << tested.error().detail;
}

}  // namespace
}  // namespace cafe::test
