#include "platform/service/stress_runner.h"

#include "platform/core/completion.h"
#include "platform/core/time.h"
#include "platform/telemetry/log.h"
#include "platform/telemetry/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <thread>

namespace cafe::service {

namespace asio = boost::asio;
using std::chrono::steady_clock;

namespace {

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool in_progress(StressState state) {
  return state == StressState::kRunning || state == StressState::kStopping;
}

}  // namespace

std::string_view to_string(StressState state) noexcept {
  switch (state) {
    case StressState::kIdle:
      return "idle";
    case StressState::kRunning:
      return "running";
    case StressState::kStopping:
      return "stopping";
    case StressState::kFinished:
      return "finished";
    case StressState::kStopped:
      return "stopped";
    case StressState::kFailed:
      return "failed";
  }
  return "idle";
}

struct StressRunner::Meters {
  prometheus::Family<prometheus::Counter>& runs;
  prometheus::Family<prometheus::Counter>& iterations;
  prometheus::Family<prometheus::Counter>& cpu_seconds;
  prometheus::Family<prometheus::Gauge>& running;
};

struct StressRunner::Run {
  const StressScenario* scenario = nullptr;
  StressRequest request;
  int threads = 0;
  steady_clock::time_point started;
  std::string started_at;
  prometheus::Counter* iterations_counter = nullptr;
  prometheus::Counter* cpu_counter = nullptr;
  prometheus::Gauge* running_gauge = nullptr;

  std::atomic<bool> stop_requested{false};
  std::atomic<bool> failed{false};
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::int64_t> cpu_ns{0};

  mutable std::mutex mutex;
  std::condition_variable wake;               // ends a sleep early on stop()
  StressState state = StressState::kRunning;  // guarded by mutex
  steady_clock::time_point ended;             // guarded by mutex
  std::string failure;                        // guarded by mutex
  int live_threads = 0;                       // guarded by mutex
  std::vector<std::thread> workers;           // guarded by mutex
  CompletionPtr<bool> done;                   // guarded by mutex; completed when live_threads reaches 0
};

StressRunner::StressRunner(Options options, TaskGroup& tasks, telemetry::Metrics& metrics)
    : options_(options),
      tasks_(tasks),
      meters_(std::make_unique<Meters>(Meters{
          .runs = prometheus::BuildCounter()
                      .Name("cloudcafe_stress_runs_total")
                      .Help("Stress runs started, by scenario")
                      .Labels({{"service", metrics.service()}})
                      .Register(metrics.registry()),
          .iterations = prometheus::BuildCounter()
                            .Name("cloudcafe_stress_iterations_total")
                            .Help("Units of work done by stress runs, by scenario")
                            .Labels({{"service", metrics.service()}})
                            .Register(metrics.registry()),
          .cpu_seconds = prometheus::BuildCounter()
                             .Name("cloudcafe_stress_cpu_seconds_total")
                             .Help("CPU time burned by stress runs, by scenario")
                             .Labels({{"service", metrics.service()}})
                             .Register(metrics.registry()),
          .running = prometheus::BuildGauge()
                         .Name("cloudcafe_stress_running")
                         .Help("1 while a stress run of the scenario is in progress")
                         .Labels({{"service", metrics.service()}})
                         .Register(metrics.registry()),
      })) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads_ = std::min({cores, kMaxThreads, options_.max_threads > 0 ? options_.max_threads : kMaxThreads});
}

StressRunner::~StressRunner() {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(mutex_);
    run = current_;
  }
  if (!run) return;
  run->stop_requested = true;
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(run->mutex);
    run->wake.notify_all();
    workers.swap(run->workers);
  }
  for (auto& t : workers) t.join();
}

Result<void> StressRunner::add(StressScenario scenario) {
  if (!valid_name(scenario.name)) {
    return Error::invalid("stress scenario name '" + scenario.name + "' must be 1-64 of [a-z0-9-]");
  }
  if (!scenario.iteration) return Error::invalid("stress scenario " + scenario.name + " has no iteration");
  if (find(scenario.name)) return Error::invalid("stress scenario " + scenario.name + " is added twice");
  auto& runs = meters_->runs.Add({{"scenario", scenario.name}});
  (void)runs;  // present at 0 from the start, so a dashboard sees the scenario exists
  meters_->running.Add({{"scenario", scenario.name}}).Set(0);
  scenarios_.push_back(std::make_unique<StressScenario>(std::move(scenario)));
  return {};
}

const StressScenario* StressRunner::find(std::string_view name) const {
  for (const auto& s : scenarios_) {
    if (s->name == name) return s.get();
  }
  return nullptr;
}

std::vector<const StressScenario*> StressRunner::scenarios() const {
  std::vector<const StressScenario*> out;
  out.reserve(scenarios_.size());
  for (const auto& s : scenarios_) out.push_back(s.get());
  return out;
}

StressProgress StressRunner::progress_of(const Run& run) const {
  StressProgress p;
  p.scenario = run.scenario->name;
  p.duration_seconds = run.request.duration_seconds;
  p.target_cpu = run.request.target_cpu;
  p.threads = run.threads;
  p.iterations = run.iterations.load();
  p.cpu_seconds = static_cast<double>(run.cpu_ns.load()) / 1e9;
  p.started_at = run.started_at;
  std::lock_guard lock(run.mutex);
  p.state = run.state;
  if (p.state == StressState::kRunning && run.stop_requested) p.state = StressState::kStopping;
  const auto until = in_progress(run.state) ? steady_clock::now() : run.ended;
  p.elapsed_seconds = std::chrono::duration<double>(until - run.started).count();
  p.detail = run.failure;
  return p;
}

void StressRunner::burn(Run& run) {
  const auto end = run.started + std::chrono::seconds(run.request.duration_seconds);
  const auto slice = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.slice);
  const auto budget = slice * run.request.target_cpu / 100;
  auto should_stop = [&] { return run.stop_requested.load() || run.failed.load() || tasks_.stopping(); };
  while (!should_stop()) {
    const auto slice_start = steady_clock::now();
    if (slice_start >= end) break;
    const auto cpu_start = thread_cpu_time();
    auto cpu = cpu_start;
    std::uint64_t done = 0;
    while (cpu - cpu_start < budget && !should_stop()) {
      auto outcome = run.scenario->iteration();
      ++done;
      if (!outcome) {
        std::lock_guard lock(run.mutex);
        if (!run.failed.exchange(true)) run.failure = outcome.error().detail;
        break;
      }
      cpu = thread_cpu_time();
    }
    const auto burned = thread_cpu_time() - cpu_start;
    run.iterations.fetch_add(done);
    run.cpu_ns.fetch_add(burned.count());
    run.iterations_counter->Increment(static_cast<double>(done));
    run.cpu_counter->Increment(std::chrono::duration<double>(burned).count());
    // Sleep out the rest of the slice: the idle part of the duty cycle.
    std::unique_lock lock(run.mutex);
    run.wake.wait_until(lock, std::min(slice_start + slice, end), [&] { return should_stop(); });
  }
}

void StressRunner::thread_exited(Run& run) {
  CompletionPtr<bool> done;
  {
    std::lock_guard lock(run.mutex);
    if (--run.live_threads > 0) return;
    run.ended = steady_clock::now();
    if (run.failed) {
      run.state = StressState::kFailed;
    } else if (run.stop_requested || tasks_.stopping()) {
      run.state = StressState::kStopped;
    } else {
      run.state = StressState::kFinished;
    }
    run.running_gauge->Set(0);
    done = std::move(run.done);
  }
  telemetry::log(telemetry::Level::kInfo, "stress_ended",
                 {{"scenario", std::string_view(run.scenario->name)},
                  {"state", to_string(run.state)},
                  {"iterations", run.iterations.load()},
                  {"cpu_seconds", static_cast<double>(run.cpu_ns.load()) / 1e9}});
  if (done) done->complete(true);
}

Result<StressProgress> StressRunner::start(std::string_view name, StressRequest request,
                                           const asio::any_io_executor& executor) {
  const StressScenario* scenario = find(name);
  if (!scenario) return Error::not_found("no stress scenario '" + std::string(name) + "'");
  if (request.duration_seconds < 1 || request.duration_seconds > kMaxDurationSeconds ||
      request.target_cpu < 1 || request.target_cpu > 100) {
    return Error::invalid("duration_seconds must be 1-600 and target_cpu 1-100");
  }
  auto run = std::make_shared<Run>();
  run->scenario = scenario;
  run->request = request;
  run->threads = threads_;
  run->started = steady_clock::now();
  run->started_at = now_rfc3339();
  const prometheus::Labels labels{{"scenario", scenario->name}};
  run->iterations_counter = &meters_->iterations.Add(labels);
  run->cpu_counter = &meters_->cpu_seconds.Add(labels);
  run->running_gauge = &meters_->running.Add(labels);
  run->live_threads = run->threads;
  {
    std::lock_guard lock(mutex_);
    if (current_) {
      std::lock_guard run_lock(current_->mutex);
      if (in_progress(current_->state)) {
        Error busy = Error::conflict("stress scenario " + current_->scenario->name +
                                     " is running; DELETE /admin/stress/" + current_->scenario->name +
                                     " to stop it first");
        busy.retry_after_seconds = 1;
        return busy;
      }
    }
    // The task that waits for the threads; it joins them once they are done.
    auto wait_for_threads = [run]() -> asio::awaitable<void> {
      auto wait = [run](CompletionPtr<bool> done) {
        {
          std::lock_guard lock(run->mutex);
          if (run->live_threads > 0) {
            run->done = std::move(done);
            return;
          }
        }
        done->complete(true);
      };
      co_await submit_and_wait<bool>(std::move(wait));
      std::vector<std::thread> workers;
      {
        std::lock_guard lock(run->mutex);
        workers.swap(run->workers);
      }
      // Each has returned from its work or is returning: joining is immediate.
      for (auto& t : workers) t.join();
    };
    if (auto spawned = tasks_.spawn(executor, "stress:" + scenario->name, std::move(wait_for_threads));
        !spawned) {
      return spawned.error();
    }
    current_ = run;
  }
  meters_->runs.Add(labels).Increment();
  run->running_gauge->Set(1);
  telemetry::log(telemetry::Level::kInfo, "stress_started",
                 {{"scenario", std::string_view(scenario->name)},
                  {"duration_seconds", request.duration_seconds},
                  {"target_cpu", request.target_cpu},
                  {"threads", run->threads}});
  bool no_thread = false;
  {
    // Held while starting threads, so none can finish (and let the waiting
    // task join) before every thread is in `workers`.
    std::lock_guard lock(run->mutex);
    for (int i = 0; i < run->threads; ++i) {
      try {
        run->workers.emplace_back([this, run] {
          burn(*run);
          thread_exited(*run);
        });
      } catch (const std::system_error& e) {
        // Out of threads: the run goes on with those it has, or fails.
        run->live_threads -= run->threads - i;
        if (i == 0) {
          no_thread = true;
          run->live_threads = 1;  // thread_exited() below stands in for the thread
          run->failed = true;
          run->failure = std::string("cannot start a stress thread: ") + e.what();
        }
        break;
      }
    }
  }
  if (no_thread) thread_exited(*run);  // finishes the run, so the waiting task ends
  return progress_of(*run);
}

Result<StressProgress> StressRunner::stop(std::string_view name) {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(mutex_);
    if (!find(name)) return Error::not_found("no stress scenario '" + std::string(name) + "'");
    if (current_ && current_->scenario->name == name) run = current_;
  }
  if (!run) return progress(name);
  run->stop_requested = true;
  {
    std::lock_guard lock(run->mutex);
    run->wake.notify_all();
  }
  return progress_of(*run);
}

Result<StressProgress> StressRunner::progress(std::string_view name) const {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(mutex_);
    const StressScenario* scenario = find(name);
    if (!scenario) return Error::not_found("no stress scenario '" + std::string(name) + "'");
    if (!current_ || current_->scenario != scenario) {
      StressProgress idle;
      idle.scenario = scenario->name;
      idle.threads = threads_;
      idle.duration_seconds = scenario->default_duration_seconds;
      idle.target_cpu = scenario->default_target_cpu;
      return idle;
    }
    run = current_;
  }
  return progress_of(*run);
}

}  // namespace cafe::service
