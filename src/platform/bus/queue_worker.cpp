// QueueWorker (consumer.h). Three kinds of coroutine share one executor:
// run() receives and spawns one coroutine per message; an acker sends the
// acks of finished messages in batches; an extender pushes out the
// visibility of messages whose handler runs long. Everything in State but
// the stats is touched only on that executor, so it needs no lock.
#include "platform/bus/consumer.h"
#include "platform/bus/internal/cancellation.h"
#include "platform/bus/internal/wakeup.h"
#include "platform/bus/validate.h"
#include "platform/telemetry/log.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <vector>

namespace cafe::bus {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool retryable(const Error& error) noexcept {
  return retry_advice(error.code) != RetryAdvice::kDoNotRetry;
}

namespace {

// A message in hand: its handler runs (`running`), or it waits for its ack.
struct InHand {
  std::string receipt;
  steady_clock::time_point visible_until;
  bool running = true;
  std::shared_ptr<asio::cancellation_signal> cancel;
};

// How long the acker keeps trying at shutdown before leaving the rest to
// the visibility timeout (the messages come back, and the inbox skips them).
constexpr int kFinalAckTries = 3;

}  // namespace

struct QueueWorker::State {
  State(Bus& b, QueueWorkerOptions o, QueueHandler h)
      : bus(b),
        options(std::move(o)),
        handler(std::move(h)),
        retry_delay(options.retry_delay),
        failure_backoff(options.failure_backoff),
        rng(options.seed != 0 ? options.seed : std::random_device{}()) {}

  Bus& bus;
  const QueueWorkerOptions options;
  const QueueHandler handler;
  const resilience::Backoff retry_delay;
  const resilience::Backoff failure_backoff;
  std::mt19937_64 rng;

  // On the executor only.
  std::map<std::uint64_t, InHand> in_hand;
  std::vector<std::uint64_t> to_ack;
  std::uint64_t next_id = 1;
  int bus_failures = 0;      // consecutive
  int handler_failures = 0;  // consecutive retryable ones
  steady_clock::time_point paused_until{};
  bool helpers_stopping = false;
  int helpers_running = 0;

  // Wake-ups: a slot freed or a coroutine ended; acks waiting; stop.
  internal::Wakeup changed;
  internal::Wakeup ack_ready;
  internal::Wakeup extender_stop;

  mutable std::mutex stats_mutex;
  QueueWorkerStats stats;  // guarded by stats_mutex

  Deadline call_deadline() const { return Deadline::after(options.call_timeout); }

  template <class Update>
  void count(Update update) {
    std::lock_guard lock(stats_mutex);
    update(stats);
    stats.in_hand = in_hand.size();
  }

  bool any_running() const {
    return std::any_of(in_hand.begin(), in_hand.end(),
                       [](const auto& entry) { return entry.second.running; });
  }

  void pause_after_failure() {
    const int failures = std::max(bus_failures, handler_failures);
    paused_until = steady_clock::now() + failure_backoff.delay(failures, rng);
  }

  void release(std::uint64_t id) {
    in_hand.erase(id);
    count([](QueueWorkerStats&) {});
    changed.notify();
  }
};

namespace {

using State = QueueWorker::State;

asio::awaitable<void> handle(std::shared_ptr<State> s, std::uint64_t id, QueueMessage message) {
  Result<void> outcome = ok();
  bool cut_short = false;  // cancelled at the drain timeout: not the message's fault
  try {
    auto op = s->handler(message);
    outcome = co_await std::move(op);
  } catch (const boost::system::system_error& e) {
    cut_short = e.code() == asio::error::operation_aborted;
    outcome = cut_short ? Error::unavailable("the handler was cancelled at shutdown")
                        : Error::internal(std::string("the handler threw: ") + e.what());
  } catch (const std::exception& e) {
    outcome = Error::internal(std::string("the handler threw: ") + e.what());
  }
  // A handler cancelled at shutdown still hands its message back.
  co_await asio::this_coro::throw_if_cancelled(false);

  auto entry = s->in_hand.find(id);
  if (entry == s->in_hand.end()) co_return;
  entry->second.running = false;
  if (outcome) {
    s->handler_failures = 0;
    s->to_ack.push_back(id);
    s->ack_ready.notify();
    s->changed.notify();
    co_return;
  }

  const bool retry = retryable(outcome.error());
  // Poison goes back at once (on its way to the dead-letter queue), and so
  // does a message whose handler the stop cut short (to another replica).
  const milliseconds delay = retry && !cut_short
                                 ? s->retry_delay.delay(static_cast<int>(message.receive_count), s->rng)
                                 : milliseconds(0);
  if (retry && !cut_short) {
    ++s->handler_failures;
    s->pause_after_failure();
  }
  s->count([retry](QueueWorkerStats& st) { ++(retry ? st.retried : st.poison); });
  telemetry::log(retry ? telemetry::Level::kWarn : telemetry::Level::kError, "queue_message_failed",
                 {{"queue", s->options.queue},
                  {"message_id", message.id},
                  {"receive_count", message.receive_count},
                  {"code", to_string(outcome.error().code)},
                  {"error", outcome.error().detail},
                  {"retry_in_ms", delay.count()}});
  std::vector<std::string> receipts{entry->second.receipt};
  auto op = s->bus.nack(s->options.queue, std::move(receipts), delay, s->call_deadline());
  if (auto handed_back = co_await std::move(op); !handed_back) {
    // It comes back anyway when its visibility runs out.
    telemetry::log(telemetry::Level::kWarn, "queue_nack_failed",
                   {{"queue", s->options.queue}, {"error", handed_back.error().detail}});
  }
  s->release(id);
}

asio::awaitable<void> ack_loop(std::shared_ptr<State> s) {
  co_await asio::this_coro::throw_if_cancelled(false);
  int failures = 0;
  while (true) {
    if (s->to_ack.empty()) {
      if (s->helpers_stopping) break;
      co_await s->ack_ready.wait(milliseconds(1'000));
      continue;
    }
    const std::size_t n = std::min(s->to_ack.size(), kMaxBatch);
    const std::vector<std::uint64_t> ids(s->to_ack.begin(),
                                         s->to_ack.begin() + static_cast<std::ptrdiff_t>(n));
    s->to_ack.erase(s->to_ack.begin(), s->to_ack.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<std::string> receipts;
    receipts.reserve(n);
    for (std::uint64_t id : ids) receipts.push_back(s->in_hand.at(id).receipt);
    auto op = s->bus.ack(s->options.queue, std::move(receipts), s->call_deadline());
    auto acked = co_await std::move(op);
    if (acked) {
      failures = 0;
      s->bus_failures = 0;
      for (std::uint64_t id : ids) s->release(id);
      s->count([n](QueueWorkerStats& st) { st.acked += n; });
      continue;
    }
    ++failures;
    ++s->bus_failures;
    s->count([](QueueWorkerStats& st) { ++st.bus_failures; });
    telemetry::log(telemetry::Level::kWarn, "queue_ack_failed",
                   {{"queue", s->options.queue}, {"messages", n}, {"error", acked.error().detail}});
    if (s->helpers_stopping && failures >= kFinalAckTries) {
      for (std::uint64_t id : ids) s->release(id);
      for (std::uint64_t id : s->to_ack) s->release(id);
      s->to_ack.clear();
      break;
    }
    s->to_ack.insert(s->to_ack.begin(), ids.begin(), ids.end());
    co_await internal::sleep_unless_cancelled(s->failure_backoff.delay(failures, s->rng));
  }
}

asio::awaitable<void> extend_loop(std::shared_ptr<State> s) {
  co_await asio::this_coro::throw_if_cancelled(false);
  const milliseconds visibility = s->options.visibility;
  const milliseconds tick = std::max(milliseconds(1), visibility / 3);
  while (!s->helpers_stopping) {
    co_await s->extender_stop.wait(tick);
    if (s->helpers_stopping) break;
    const auto now = steady_clock::now();
    std::vector<std::uint64_t> ids;
    std::vector<std::string> receipts;
    for (const auto& [id, entry] : s->in_hand) {
      if (entry.running && entry.visible_until - now < visibility * 2 / 3) {
        ids.push_back(id);
        receipts.push_back(entry.receipt);
        if (ids.size() == kMaxBatch) break;
      }
    }
    if (ids.empty()) continue;
    auto op = s->bus.extend(s->options.queue, std::move(receipts), visibility, s->call_deadline());
    if (auto extended = co_await std::move(op); !extended) {
      s->count([](QueueWorkerStats& st) { ++st.bus_failures; });
      telemetry::log(
          telemetry::Level::kWarn, "queue_extend_failed",
          {{"queue", s->options.queue}, {"messages", ids.size()}, {"error", extended.error().detail}});
      continue;
    }
    for (std::uint64_t id : ids) {
      if (auto it = s->in_hand.find(id); it != s->in_hand.end()) it->second.visible_until = now + visibility;
    }
    s->count([n = ids.size()](QueueWorkerStats& st) { st.extended += n; });
  }
}

// Messages received as the worker stopped: visible again at once, for
// another replica.
asio::awaitable<void> hand_back(std::shared_ptr<State> s, std::vector<QueueMessage> messages) {
  std::vector<std::string> receipts;
  receipts.reserve(messages.size());
  for (const QueueMessage& m : messages) receipts.push_back(m.receipt);
  auto op = s->bus.nack(s->options.queue, std::move(receipts), milliseconds(0), s->call_deadline());
  if (auto handed_back = co_await std::move(op); !handed_back) {
    telemetry::log(
        telemetry::Level::kWarn, "queue_nack_failed",
        {{"queue", s->options.queue}, {"messages", messages.size()}, {"error", handed_back.error().detail}});
  }
}

void spawn_helper(const asio::any_io_executor& ex, const std::shared_ptr<State>& s, const char* name,
                  asio::awaitable<void> loop) {
  ++s->helpers_running;
  asio::co_spawn(ex, std::move(loop), [s, name](const std::exception_ptr& e) {
    telemetry::log_coroutine_exit(name, e);
    --s->helpers_running;
    s->changed.notify();
  });
}

}  // namespace

Result<std::unique_ptr<QueueWorker>> QueueWorker::create(Bus& bus, QueueWorkerOptions options,
                                                         QueueHandler handler) {
  if (!valid_name(options.queue))
    return Error::invalid("queue worker: '" + options.queue + "' is not a queue name");
  if (options.concurrency == 0) return Error::invalid("queue worker: concurrency must be at least 1");
  if (options.batch_size == 0 || options.batch_size > kMaxBatch)
    return Error::invalid("queue worker: batch_size must be between 1 and " + std::to_string(kMaxBatch));
  const milliseconds zero{0};
  if (options.wait < zero || options.visibility <= zero || options.call_timeout <= zero ||
      options.drain_timeout <= zero || options.retry_delay.base <= zero ||
      options.failure_backoff.base <= zero)
    return Error::invalid("queue worker: durations must be positive");
  if (options.wait > kMaxWait || options.visibility > kMaxVisibility)
    return Error::invalid("queue worker: wait and visibility are at most " +
                          std::to_string(kMaxWait.count()) + " and " +
                          std::to_string(kMaxVisibility.count()) + " ms");
  if (!handler) return Error::invalid("queue worker: a handler is required");
  return std::unique_ptr<QueueWorker>(
      new QueueWorker(std::make_shared<State>(bus, std::move(options), std::move(handler))));
}

QueueWorker::QueueWorker(std::shared_ptr<State> state) : state_(std::move(state)) {}
QueueWorker::~QueueWorker() = default;

QueueWorkerStats QueueWorker::stats() const {
  std::lock_guard lock(state_->stats_mutex);
  return state_->stats;
}

asio::awaitable<void> QueueWorker::run() {
  std::shared_ptr<State> s = state_;
  co_await asio::this_coro::throw_if_cancelled(false);
  const auto ex = co_await asio::this_coro::executor;
  s->helpers_stopping = false;
  spawn_helper(ex, s, "queue-acker", ack_loop(s));
  spawn_helper(ex, s, "queue-extender", extend_loop(s));

  const QueueWorkerOptions& o = s->options;
  while (!co_await internal::cancelled()) {
    const auto now = steady_clock::now();
    if (now < s->paused_until) {
      co_await internal::sleep_unless_cancelled(std::chrono::ceil<milliseconds>(s->paused_until - now));
      continue;
    }
    if (s->in_hand.size() >= o.concurrency) {
      co_await s->changed.wait(milliseconds(1'000));
      continue;
    }
    const ReceiveOptions receive{.max_messages = std::min(o.batch_size, o.concurrency - s->in_hand.size()),
                                 .wait = o.wait,
                                 .visibility = o.visibility};
    // The long poll runs to its end even when the worker is stopped: a
    // receive abandoned half-way may still take messages at the bus, which
    // would then stay hidden for their visibility timeout. So a stop waits
    // up to `wait` for it, and hands back what it brought.
    auto shielded = asio::co_spawn(
        ex,
        [s, receive, deadline = Deadline::after(o.wait + o.call_timeout)]()
            -> asio::awaitable<Result<std::vector<QueueMessage>>> {
          auto op = s->bus.receive(s->options.queue, receive, deadline);
          co_return co_await std::move(op);
        },
        asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
    auto messages = co_await std::move(shielded);
    if (co_await internal::cancelled()) {
      if (messages && !messages->empty()) co_await hand_back(s, std::move(*messages));
      break;
    }
    if (!messages) {
      ++s->bus_failures;
      s->count([](QueueWorkerStats& st) { ++st.bus_failures; });
      telemetry::log(
          telemetry::Level::kWarn, "queue_receive_failed",
          {{"queue", o.queue}, {"consecutive", s->bus_failures}, {"error", messages.error().detail}});
      s->pause_after_failure();
      continue;
    }
    s->bus_failures = 0;
    const auto received_at = steady_clock::now();
    for (QueueMessage& message : *messages) {
      const std::uint64_t id = s->next_id++;
      auto cancel = std::make_shared<asio::cancellation_signal>();
      s->in_hand.emplace(id, InHand{message.receipt, received_at + o.visibility, true, cancel});
      asio::co_spawn(ex, handle(s, id, std::move(message)),
                     asio::bind_cancellation_slot(cancel->slot(), [](const std::exception_ptr& e) {
                       telemetry::log_coroutine_exit("queue-handler", e);
                     }));
    }
    s->count([n = messages->size()](QueueWorkerStats& st) { st.received += n; });
  }

  // Stopping. Waits from here on must not see the cancellation that ended
  // the loop, or they would return at once.
  co_await asio::this_coro::reset_cancellation_state();
  const auto drain_ends = steady_clock::now() + o.drain_timeout;
  while (s->any_running() && steady_clock::now() < drain_ends) {
    co_await s->changed.wait(std::chrono::ceil<milliseconds>(drain_ends - steady_clock::now()));
  }
  if (s->any_running()) {
    telemetry::log(telemetry::Level::kWarn, "queue_worker_drain_timeout", {{"queue", o.queue}});
    for (auto& [id, entry] : s->in_hand) {
      if (entry.running) entry.cancel->emit(asio::cancellation_type::terminal);
    }
  }
  // Every handler's calls are bounded by their deadlines: wait them out,
  // since they hold this state.
  while (s->any_running()) co_await s->changed.wait(milliseconds(1'000));
  s->helpers_stopping = true;
  s->ack_ready.notify();
  s->extender_stop.notify();
  while (s->helpers_running > 0 || !s->in_hand.empty()) co_await s->changed.wait(milliseconds(1'000));
}

}  // namespace cafe::bus
