// The stress runner every service has (API.md, "Stress scenarios"): burns
// CPU doing the service's own kind of work for `duration_seconds` at
// `target_cpu` percent of its cores, reports progress, can be stopped, and
// counts in metrics. One run at a time per replica.
//
// A run is `threads` threads (one per core, at most kMaxThreads and at most
// Options::max_threads), never the I/O threads. Each works in slices of
// ~100 ms: it runs the scenario's iteration until its own CPU time in the
// slice reaches target_cpu percent of the slice, then sleeps out the rest
// (a duty cycle measured with CLOCK_THREAD_CPUTIME_ID, so a busy machine
// gets less, never more, than the target). A run ends at its duration,
// on stop(), on the first failed iteration, or when the service's task
// group is cancelled (shutdown); the group's stop waits for it.
//
// Metrics: cloudcafe_stress_runs_total, cloudcafe_stress_iterations_total,
// cloudcafe_stress_cpu_seconds_total (counters) and cloudcafe_stress_running
// (gauge), each by scenario.
//
// Thread-safe.
#pragma once

#include "platform/core/error.h"
#include "platform/service/task_group.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::telemetry {
class Metrics;
}

namespace cafe::service {

struct StressScenario {
  std::string name;  // "menu-sync": served at /admin/stress/menu-sync
  std::string description;
  int default_duration_seconds = 180;
  int default_target_cpu = 70;
  // One unit of the service's real work. Called over and over, from several
  // threads at once, for the whole run: it must be thread-safe and must not
  // block (no network, no database). An error ends the run as "failed".
  std::function<Result<void>()> iteration;
  // The reference clients' path for this scenario (POST only, admin), e.g.
  // "/stress/menu-sync", and the scenario name its answer carries.
  std::string compat_path;
  std::string compat_name;
};

struct StressRequest {
  int duration_seconds = 0;  // 1..kMaxDurationSeconds
  int target_cpu = 0;        // 1..100, percent of the run's threads
};

enum class StressState : std::uint8_t { kIdle, kRunning, kStopping, kFinished, kStopped, kFailed };
std::string_view to_string(StressState state) noexcept;

struct StressProgress {
  std::string scenario;
  StressState state = StressState::kIdle;
  int duration_seconds = 0;
  int target_cpu = 0;
  int threads = 0;
  double elapsed_seconds = 0;
  std::uint64_t iterations = 0;
  double cpu_seconds = 0;  // CPU time the run's threads burned
  std::string started_at;  // RFC 3339; empty while idle
  std::string detail;      // why a run failed
};

class StressRunner {
 public:
  static constexpr int kMaxThreads = 16;
  static constexpr int kMaxDurationSeconds = 600;

  struct Options {
    int max_threads = 0;  // 0: one per core; always capped at kMaxThreads
    std::chrono::milliseconds slice{100};
  };

  StressRunner(Options options, TaskGroup& tasks, telemetry::Metrics& metrics);
  // Stops a run in progress and waits for its threads.
  ~StressRunner();
  StressRunner(const StressRunner&) = delete;
  StressRunner& operator=(const StressRunner&) = delete;

  // At start-up: kInvalidArgument for a bad or repeated name, or no iteration.
  Result<void> add(StressScenario scenario);
  const StressScenario* find(std::string_view name) const;
  std::vector<const StressScenario*> scenarios() const;

  // Starts `name` in the background. kNotFound for an unknown scenario,
  // kConflict while a run (of any scenario) is in progress, kUnavailable
  // once the task group is stopping. `executor` is the caller's I/O thread:
  // the task that waits for the run's threads runs there.
  Result<StressProgress> start(std::string_view name, StressRequest request,
                               const boost::asio::any_io_executor& executor);
  // Asks the run of `name` to end (within one slice); its progress.
  Result<StressProgress> stop(std::string_view name);
  // The current or last run of `name`, or kIdle.
  Result<StressProgress> progress(std::string_view name) const;

  // Threads a run uses on this machine.
  int threads() const noexcept { return threads_; }

 private:
  struct Run;
  struct Meters;
  void burn(Run& run);
  StressProgress progress_of(const Run& run) const;
  void thread_exited(Run& run);

  Options options_;
  int threads_;
  TaskGroup& tasks_;
  std::unique_ptr<Meters> meters_;
  std::vector<std::unique_ptr<StressScenario>> scenarios_;  // fixed after start-up
  mutable std::mutex mutex_;
  std::shared_ptr<Run> current_;  // guarded by mutex_; the current or last run
};

}  // namespace cafe::service
