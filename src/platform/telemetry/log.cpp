#include "platform/telemetry/log.h"

#include "platform/telemetry/internal/fd_sink.h"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace cafe::telemetry {
namespace {

struct State {
  std::string service;
  std::string replica;
  Level min_level = Level::kInfo;
  std::shared_ptr<internal::FdSink> sink;
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<spdlog::async_logger> logger;
};

// Callers reach the running State without a lock: they announce themselves
// in `g_active` before loading `g_state`, and shutdown unpublishes the State
// and then waits for `g_active` to drain before destroying it (both sides
// seq_cst, so a caller that saw the State is always waited for). Callers
// that arrive after the unpublish count for a few instructions only.
std::atomic<State*> g_state{nullptr};
std::atomic<int> g_active{0};
std::mutex g_control;                            // init and shutdown, never log()
std::atomic<std::uint64_t> g_dropped_before{0};  // drops of earlier runs
std::atomic<Level> g_stderr_min_level{Level::kInfo};

// Holds the running State for one call, or nothing. A call that finds no
// State leaves g_active at once, so callers logging to stderr between runs
// cannot keep shutdown waiting.
class StateUse {
 public:
  StateUse() {
    g_active.fetch_add(1, std::memory_order_seq_cst);
    state_ = g_state.load(std::memory_order_seq_cst);
    if (state_ == nullptr) g_active.fetch_sub(1, std::memory_order_release);
  }
  ~StateUse() {
    if (state_ != nullptr) g_active.fetch_sub(1, std::memory_order_release);
  }
  StateUse(const StateUse&) = delete;
  StateUse& operator=(const StateUse&) = delete;
  State* get() const { return state_; }

 private:
  State* state_;
};

std::uint64_t drops_of(State& state) {
  return state.pool->overrun_counter() + state.sink->failed_lines();
}

}  // namespace

Result<void> init_logging(const LogOptions& options) {
  std::lock_guard lock(g_control);
  if (g_state.load() != nullptr) return ok();
  int fd = STDERR_FILENO;
  if (!options.path.empty()) {
    fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "cannot open log file " + options.path + ": " + std::strerror(errno));
    }
  }
  auto state = std::make_unique<State>();
  state->service = options.service;
  state->replica = options.replica;
  state->min_level = options.min_level;
  state->sink = std::make_shared<internal::FdSink>(fd, !options.path.empty());
  state->pool =
      std::make_shared<spdlog::details::thread_pool>(std::max<std::size_t>(options.queue_limit, 1), 1);
  state->logger = std::make_shared<spdlog::async_logger>("cafe", state->sink, state->pool,
                                                         spdlog::async_overflow_policy::overrun_oldest);
  // Levels are filtered before formatting; spdlog passes everything on.
  state->logger->set_level(spdlog::level::trace);
  g_stderr_min_level.store(options.min_level);
  g_state.store(state.release(), std::memory_order_seq_cst);
  return ok();
}

void shutdown_logging() {
  std::lock_guard lock(g_control);
  std::unique_ptr<State> state(g_state.exchange(nullptr, std::memory_order_seq_cst));
  if (!state) return;
  while (g_active.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  // Nothing is queued any more, so nothing more is overrun.
  const std::uint64_t overrun = state->pool->overrun_counter();
  // Queued messages hold the logger; destroying the pool drains the queue
  // through the sink, then joins the worker.
  state->logger.reset();
  state->pool.reset();
  g_dropped_before.fetch_add(overrun + state->sink->failed_lines(), std::memory_order_relaxed);
}

void log(Level level, std::string_view event, std::initializer_list<LogField> fields) {
  StateUse use;
  State* state = use.get();
  if (state == nullptr) {
    if (level < g_stderr_min_level.load(std::memory_order_relaxed)) return;
    const std::string line = format_log_line(std::chrono::system_clock::now(), level, {}, event, fields);
    internal::write_all(STDERR_FILENO, line.data(), line.size());
    return;
  }
  if (level < state->min_level) return;
  const std::string line = format_log_line(std::chrono::system_clock::now(), level,
                                           {state->service, state->replica}, event, fields);
  state->logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

std::uint64_t dropped_log_lines() {
  StateUse use;
  std::uint64_t dropped = g_dropped_before.load(std::memory_order_relaxed);
  if (State* state = use.get()) dropped += drops_of(*state);
  return dropped;
}

void log_coroutine_exit(std::string_view coroutine, const std::exception_ptr& e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log(Level::kError, "coroutine_failed", {{"coroutine", coroutine}, {"what", std::string_view(ex.what())}});
  } catch (...) {
    log(Level::kError, "coroutine_failed", {{"coroutine", coroutine}});
  }
}

}  // namespace cafe::telemetry
