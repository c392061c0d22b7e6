// StreamWorker (consumer.h): one coroutine that reads, handles in order and
// commits. It keeps its own position after the first read (the offset after
// the last record handled), so a failed commit costs a re-read after a
// restart, never a stall; the commit is tried again with the next batch.
#include "platform/bus/consumer.h"
#include "platform/bus/internal/cancellation.h"
#include "platform/bus/internal/wall_clock.h"
#include "platform/bus/lease.h"
#include "platform/bus/validate.h"
#include "platform/telemetry/log.h"

#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

#include <mutex>
#include <random>

namespace cafe::bus {

namespace asio = boost::asio;
using std::chrono::milliseconds;

struct StreamWorker::State {
  State(Bus& b, StreamWorkerOptions o, StreamHandler h)
      : bus(b),
        options(std::move(o)),
        handler(std::move(h)),
        backoff(options.failure_backoff),
        rng(options.seed != 0 ? options.seed : std::random_device{}()) {
    if (options.lease_store != nullptr) {
      lease.emplace(*options.lease_store,
                    LeaseOptions{.name = "stream:" + options.stream + ":" + options.group,
                                 .holder = options.holder,
                                 .ttl = options.lease_ttl,
                                 .clock = options.clock});
    }
  }

  Bus& bus;
  const StreamWorkerOptions options;
  const StreamHandler handler;
  const resilience::Backoff backoff;
  std::mt19937_64 rng;
  std::optional<Lease> lease;

  // On run()'s coroutine only.
  std::optional<std::uint64_t> next_offset;    // empty: read from the group's commit
  std::optional<std::uint64_t> handled_up_to;  // the last offset handled or skipped
  std::optional<std::uint64_t> committed;
  int failures = 0;  // consecutive
  std::chrono::steady_clock::time_point next_lease_try{};

  mutable std::mutex stats_mutex;
  StreamWorkerStats stats;  // guarded by stats_mutex

  Deadline call_deadline() const { return Deadline::after(options.call_timeout); }

  template <class Update>
  void count(Update update) {
    std::lock_guard lock(stats_mutex);
    update(stats);
  }

  asio::awaitable<void> pause() {
    ++failures;
    count([](StreamWorkerStats& st) { ++st.failures; });
    co_await internal::sleep_unless_cancelled(backoff.delay(failures, rng));
  }

  // Commits what was handled since the last commit; false when the bus
  // refused (logged; the next batch tries again).
  asio::awaitable<bool> commit() {
    if (!handled_up_to || handled_up_to == committed) co_return true;
    auto op = bus.commit(options.stream, options.group, *handled_up_to, call_deadline());
    if (auto done = co_await std::move(op); !done) {
      // Cut short by the stop: run() commits once more on its way out.
      if (co_await internal::cancelled()) co_return false;
      telemetry::log(telemetry::Level::kWarn, "stream_commit_failed",
                     {{"stream", options.stream}, {"group", options.group}, {"error", done.error().detail}});
      co_return false;
    }
    committed = handled_up_to;
    count([c = *committed](StreamWorkerStats& st) { st.committed = c; });
    co_return true;
  }

  // Without a lease store: always. With one: whether this replica holds the
  // group's lease (asking when due; a standby asks every ttl/3).
  asio::awaitable<Result<bool>> may_read() {
    if (!lease) co_return true;
    const auto now = internal::steady_now(options.clock);
    if (!lease->due_for_renewal(now)) co_return true;
    if (!lease->held(now) && now < next_lease_try) co_return false;
    auto op = lease->acquire(call_deadline());
    auto held = co_await std::move(op);
    if (!held) co_return held.error();
    count([h = *held](StreamWorkerStats& st) { st.lease_held = h; });
    if (!*held) {
      next_lease_try = now + std::max(milliseconds(1), options.lease_ttl / 3);
      // Whoever holds it now may move the group on: start again from its commit.
      next_offset.reset();
      handled_up_to.reset();
      committed.reset();
    }
    co_return *held;
  }

  // Calls the handler once, turning what it throws into an error.
  asio::awaitable<Result<void>> call(const StreamRecord& record) {
    try {
      auto op = handler(record);
      co_return co_await std::move(op);
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted)
        co_return Error::unavailable("the handler was cancelled at shutdown");
      co_return Error::internal(std::string("the handler threw: ") + e.what());
    } catch (const std::exception& e) {
      co_return Error::internal(std::string("the handler threw: ") + e.what());
    }
  }

  // Handles one record until it succeeds, is skipped, or the worker is
  // cancelled (false: stop before this record counts as handled).
  asio::awaitable<bool> handle(const StreamRecord& record) {
    int attempts = 0;
    while (true) {
      auto outcome = co_await call(record);
      if (outcome) {
        failures = 0;
        count([](StreamWorkerStats& st) { ++st.handled; });
        co_return true;
      }
      const bool retry = retryable(outcome.error());
      if (!retry) ++attempts;
      const bool skip = !retry && attempts >= options.max_attempts;
      telemetry::log(skip || !retry ? telemetry::Level::kError : telemetry::Level::kWarn,
                     skip ? "stream_record_skipped" : "stream_record_failed",
                     {{"stream", options.stream},
                      {"group", options.group},
                      {"offset", record.offset},
                      {"event_id", record.id},
                      {"code", to_string(outcome.error().code)},
                      {"error", outcome.error().detail}});
      if (skip) {
        count([](StreamWorkerStats& st) { ++st.skipped; });
        co_return true;
      }
      // Keep what is done so far before waiting: a restart resumes here.
      co_await commit();
      co_await pause();
      if (co_await internal::cancelled()) co_return false;
    }
  }

  asio::awaitable<void> read_and_handle() {
    auto allowed = co_await may_read();
    if (!allowed) {
      telemetry::log(
          telemetry::Level::kWarn, "stream_lease_failed",
          {{"stream", options.stream}, {"group", options.group}, {"error", allowed.error().detail}});
      co_await pause();
      co_return;
    }
    if (!*allowed) {
      co_await internal::sleep_unless_cancelled(std::max(milliseconds(1), options.lease_ttl / 3));
      co_return;
    }
    const StreamPosition from =
        next_offset ? StreamPosition::at_offset(*next_offset) : StreamPosition::after_group(options.group);
    auto op = bus.read(options.stream, from, {.max_records = options.batch_size, .wait = options.wait},
                       Deadline::after(options.wait + options.call_timeout));
    auto records = co_await std::move(op);
    if (!records && co_await internal::cancelled()) co_return;  // a long poll cut short by the stop
    if (!records) {
      telemetry::log(
          telemetry::Level::kWarn, "stream_read_failed",
          {{"stream", options.stream}, {"group", options.group}, {"error", records.error().detail}});
      co_await pause();
      co_return;
    }
    for (const StreamRecord& record : *records) {
      if (co_await internal::cancelled()) break;
      if (!co_await handle(record)) break;
      handled_up_to = record.offset;
      next_offset = record.offset + 1;
    }
    if (!co_await commit() && !co_await internal::cancelled()) co_await pause();
  }
};

Result<std::unique_ptr<StreamWorker>> StreamWorker::create(Bus& bus, StreamWorkerOptions options,
                                                           StreamHandler handler) {
  if (!valid_name(options.stream))
    return Error::invalid("stream worker: '" + options.stream + "' is not a stream name");
  if (!valid_name(options.group))
    return Error::invalid("stream worker: '" + options.group + "' is not a group name");
  if (options.batch_size == 0 || options.batch_size > kMaxBatch)
    return Error::invalid("stream worker: batch_size must be between 1 and " + std::to_string(kMaxBatch));
  const milliseconds zero{0};
  if (options.wait < zero || options.call_timeout <= zero || options.failure_backoff.base <= zero ||
      options.lease_ttl <= zero || options.max_attempts < 1)
    return Error::invalid("stream worker: durations and max_attempts must be positive");
  if (options.wait > kMaxWait)
    return Error::invalid("stream worker: wait is at most " + std::to_string(kMaxWait.count()) + " ms");
  if (options.lease_store != nullptr && options.holder.empty())
    return Error::invalid("stream worker: a lease store needs a holder");
  if (!handler) return Error::invalid("stream worker: a handler is required");
  return std::unique_ptr<StreamWorker>(
      new StreamWorker(std::make_unique<State>(bus, std::move(options), std::move(handler))));
}

StreamWorker::StreamWorker(std::unique_ptr<State> state) : state_(std::move(state)) {}
StreamWorker::~StreamWorker() = default;

StreamWorkerStats StreamWorker::stats() const {
  std::lock_guard lock(state_->stats_mutex);
  return state_->stats;
}

asio::awaitable<void> StreamWorker::run() {
  State& s = *state_;
  co_await asio::this_coro::throw_if_cancelled(false);
  if (!s.lease) s.count([](StreamWorkerStats& st) { st.lease_held = true; });
  while (!co_await internal::cancelled()) co_await s.read_and_handle();
  // From here on a failure is a failure, not the stop: the last commit and
  // the lease's release are worth their log lines.
  co_await asio::this_coro::reset_cancellation_state();

  const Deadline stop_deadline = s.call_deadline();
  if (!s.lease || s.lease->held(internal::steady_now(s.options.clock))) co_await s.commit();
  if (s.lease && s.lease->held(internal::steady_now(s.options.clock))) {
    auto op = s.lease->release(stop_deadline);
    if (auto released = co_await std::move(op); !released) {
      telemetry::log(telemetry::Level::kWarn, "stream_lease_not_released",
                     {{"stream", s.options.stream}, {"error", released.error().detail}});
    }
  }
  s.count([](StreamWorkerStats& st) { st.lease_held = false; });
}

}  // namespace cafe::bus
