#include "platform/service/stress_runner.h"

#include "platform/service/stress_routes.h"
#include "platform/telemetry/metrics.h"
#include "unit/platform/service/io_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cafe::service {
namespace {

using namespace std::chrono_literals;
using testing::IoThread;

// About a tenth of a millisecond of arithmetic.
Result<void> spin() {
  volatile std::uint64_t x = 1;
  for (int i = 0; i < 20'000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return {};
}

StressScenario scenario(std::string name = "grind", std::function<Result<void>()> iteration = spin) {
  return {.name = std::move(name),
          .description = "grinds beans",
          .default_duration_seconds = 30,
          .default_target_cpu = 40,
          .iteration = std::move(iteration),
          .compat_path = "",
          .compat_name = ""};
}

// Polls the run's progress until `done` says so (bounded).
StressProgress wait_until(StressRunner& runner, std::string_view name,
                          const std::function<bool(const StressProgress&)>& done) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto p = runner.progress(name);
    EXPECT_TRUE(p);
    if (!p || done(*p) || std::chrono::steady_clock::now() > give_up) return p ? *p : StressProgress{};
    std::this_thread::sleep_for(10ms);
  }
}

bool ended(const StressProgress& p) {
  return p.state != StressState::kRunning && p.state != StressState::kStopping;
}

class StressRunnerTest : public ::testing::Test {
 protected:
  telemetry::Metrics metrics_{"test"};
  TaskGroup tasks_;
  IoThread io_;
  StressRunner runner_{{.max_threads = 2, .slice = std::chrono::milliseconds(20)}, tasks_, metrics_};

  void TearDown() override { EXPECT_TRUE(tasks_.stop(Deadline::after(10s))); }
};

TEST_F(StressRunnerTest, RefusesASecondRunWhileOneIsInProgress) {
  ASSERT_TRUE(runner_.add(scenario()));
  ASSERT_TRUE(runner_.add(scenario("roast")));
  ASSERT_TRUE(runner_.start("grind", {.duration_seconds = 30, .target_cpu = 10}, io_.executor()));
  auto second = runner_.start("roast", {.duration_seconds = 30, .target_cpu = 10}, io_.executor());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().detail.find("grind"), std::string::npos) << second.error().detail;
  ASSERT_TRUE(runner_.stop("grind"));
}

TEST_F(StressRunnerTest, StopEndsTheRunWithinASliceAndAllowsTheNext) {
  ASSERT_TRUE(runner_.add(scenario()));
  ASSERT_TRUE(runner_.start("grind", {.duration_seconds = 600, .target_cpu = 50}, io_.executor()));
  const auto began = std::chrono::steady_clock::now();
  auto stopping = runner_.stop("grind");
  ASSERT_TRUE(stopping);
  const auto stopped = wait_until(runner_, "grind", ended);
  EXPECT_EQ(stopped.state, StressState::kStopped);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
  EXPECT_TRUE(runner_.start("grind", {.duration_seconds = 1, .target_cpu = 10}, io_.executor()));
  EXPECT_TRUE(runner_.stop("grind"));
}

TEST_F(StressRunnerTest, ARunEndsOnItsOwnAtItsDurationAndCountsItsWork) {
  ASSERT_TRUE(runner_.add(scenario()));
  auto started = runner_.start("grind", {.duration_seconds = 1, .target_cpu = 30}, io_.executor());
  ASSERT_TRUE(started);
  EXPECT_EQ(started->state, StressState::kRunning);
  EXPECT_EQ(started->threads, 2);
  const auto finished = wait_until(runner_, "grind", ended);
  EXPECT_EQ(finished.state, StressState::kFinished);
  EXPECT_GE(finished.elapsed_seconds, 1.0);
  EXPECT_LT(finished.elapsed_seconds, 3.0);
  EXPECT_GT(finished.iterations, 0u);
  EXPECT_GT(finished.cpu_seconds, 0.0);
  const std::string text = metrics_.render();
  EXPECT_NE(text.find(R"(cloudcafe_stress_runs_total{service="test",scenario="grind"} 1)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cloudcafe_stress_iterations_total{service=\"test\",scenario=\"grind\"} " +
                      std::to_string(finished.iterations)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(cloudcafe_stress_running{service="test",scenario="grind"} 0)"), std::string::npos)
      << text;
}

TEST_F(StressRunnerTest, AFailingIterationEndsTheRunAsFailedWithItsReason) {
  ASSERT_TRUE(
      runner_.add(scenario("broken", [] { return Result<void>(Error::unavailable("no catalog yet")); })));
  ASSERT_TRUE(runner_.start("broken", {.duration_seconds = 600, .target_cpu = 50}, io_.executor()));
  const auto failed = wait_until(runner_, "broken", ended);
  EXPECT_EQ(failed.state, StressState::kFailed);
  EXPECT_EQ(failed.detail, "no catalog yet");
}

TEST_F(StressRunnerTest, StoppingTheTaskGroupEndsTheRunAndWaitsForItsThreads) {
  ASSERT_TRUE(runner_.add(scenario()));
  ASSERT_TRUE(runner_.start("grind", {.duration_seconds = 600, .target_cpu = 50}, io_.executor()));
  EXPECT_EQ(tasks_.running(), std::vector<std::string>{"stress:grind"});
  ASSERT_TRUE(tasks_.stop(Deadline::after(5s)));
  auto after = runner_.progress("grind");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->state, StressState::kStopped);
  auto refused = runner_.start("grind", {.duration_seconds = 1, .target_cpu = 10}, io_.executor());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST_F(StressRunnerTest, AnUnknownScenarioIsNotFound) {
  EXPECT_EQ(runner_.progress("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(runner_.stop("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(runner_.start("nope", {.duration_seconds = 1, .target_cpu = 1}, io_.executor()).error().code,
            ErrorCode::kNotFound);
}

TEST_F(StressRunnerTest, AScenarioNeverRunIsIdleWithItsDefaults) {
  ASSERT_TRUE(runner_.add(scenario()));
  auto idle = runner_.progress("grind");
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->state, StressState::kIdle);
  EXPECT_EQ(idle->duration_seconds, 30);
  EXPECT_EQ(idle->target_cpu, 40);
}

TEST_F(StressRunnerTest, RefusesABadOrRepeatedScenario) {
  EXPECT_FALSE(runner_.add(scenario("Menu Sync")));
  EXPECT_FALSE(runner_.add(scenario("grind", nullptr)));
  ASSERT_TRUE(runner_.add(scenario()));
  EXPECT_FALSE(runner_.add(scenario()));
}

TEST(StressRunnerThreads, AreBoundedByTheCoresTheCapAndTheConfig) {
  telemetry::Metrics metrics("test");
  TaskGroup tasks;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  StressRunner unbounded({.max_threads = 0}, tasks, metrics);
  EXPECT_EQ(unbounded.threads(), std::min(cores, StressRunner::kMaxThreads));
  telemetry::Metrics metrics2("test");
  StressRunner asks_too_many({.max_threads = 1000}, tasks, metrics2);
  EXPECT_EQ(asks_too_many.threads(), std::min(cores, StressRunner::kMaxThreads));
  telemetry::Metrics metrics3("test");
  StressRunner one({.max_threads = 1}, tasks, metrics3);
  EXPECT_EQ(one.threads(), 1);
}

TEST(StressRequest, ABlankBodyOrAnEmptyObjectMeansTheDefaults) {
  const auto s = scenario();
  for (std::string_view body : {"", "  \n", "{}"}) {
    auto r = parse_stress_request(body, s);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(r->duration_seconds, 30);
    EXPECT_EQ(r->target_cpu, 40);
  }
}

TEST(StressRequest, ReadsBothFields) {
  auto r = parse_stress_request(R"({"duration_seconds": 600, "target_cpu": 1})", scenario());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->duration_seconds, 600);
  EXPECT_EQ(r->target_cpu, 1);
}

TEST(StressRequest, ReportsEveryBadFieldAtOnce) {
  auto r = parse_stress_request(R"({"duration_seconds": 601, "target_cpu": 0, "threads": 64})", scenario());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().fields, (std::vector<FieldError>{{"duration_seconds", "must be between 1 and 600"},
                                                       {"target_cpu", "must be between 1 and 100"},
                                                       {"threads", "unknown field"}}));
}

TEST(StressRequest, RejectsAFractionAndMalformedJson) {
  EXPECT_EQ(parse_stress_request(R"({"target_cpu": 50.5})", scenario()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_stress_request("{", scenario()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_stress_request("[]", scenario()).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cafe::service
