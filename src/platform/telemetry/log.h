// Process-wide structured logging (DESIGN §3): one JSON object per line,
// through a bounded asynchronous sink that drops rather than blocks.
//
// The line is formatted on the caller's thread; spdlog's async logger
// (overrun_oldest policy, one worker thread) queues it and the worker writes
// it. When the queue is full the OLDEST queued line is dropped and counted,
// so a stalled stderr or disk never blocks an I/O thread: the only lock a
// caller takes is the queue's, held for a push.
//
//   telemetry::log(Level::kInfo, "order_placed", {{"order_id", id}, {"total_cents", cents}});
//
// All functions are thread-safe.
#pragma once

#include "platform/core/error.h"
#include "platform/telemetry/log_line.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cafe::telemetry {

struct LogOptions {
  std::string service{};
  std::string replica{};
  Level min_level = Level::kInfo;
  // Lines queued for the writer; beyond this the oldest are dropped.
  std::size_t queue_limit = 8192;
  // Appended to (created 0640 if absent); empty = stderr.
  std::string path{};
};

// Starts the writer thread. A second call while logging runs changes
// nothing and succeeds; after shutdown_logging() it starts again with the
// new options. Fails (and leaves logging as it was) when `path` cannot be
// opened. Before it, and after shutdown, lines go synchronously to stderr.
Result<void> init_logging(const LogOptions& options);

// Writes what is queued, then stops the writer thread. Blocks while the
// file does not accept writes (a full pipe nobody reads).
void shutdown_logging();

void log(Level level, std::string_view event, std::initializer_list<LogField> fields = {});

// Logs an exception that ended a spawned coroutine ("coroutine_failed");
// nothing when `e` is null. The completion handler every co_spawn gets, so
// nothing escaping a coroutine vanishes silently:
//   co_spawn(ex, loop(), [](std::exception_ptr e) { log_coroutine_exit("loop", e); });
void log_coroutine_exit(std::string_view coroutine, const std::exception_ptr& e);

// Lines lost since the process started: dropped from a full queue or
// refused by the file.
std::uint64_t dropped_log_lines();

}  // namespace cafe::telemetry
