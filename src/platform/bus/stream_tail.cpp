#include "platform/bus/stream_tail.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <random>

namespace cafe::bus {

namespace asio = boost::asio;

asio::awaitable<void> tail_stream(Bus& bus, StreamTailOptions options, TailHandler on_records) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  const resilience::Backoff backoff(options.failure_backoff);
  std::mt19937_64 rng{std::random_device{}()};
  const std::int64_t started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
  StreamPosition from = StreamPosition::at_time(started_ms);
  int failures = 0;
  for (;;) {
    auto read =
        co_await bus.read(options.stream, from, {.max_records = options.batch_size, .wait = options.wait},
                          Deadline::after(options.wait + options.call_timeout));
    if (!read) {
      ++failures;
      pause.expires_after(backoff.delay(failures, rng));
      co_await pause.async_wait(asio::use_awaitable);  // cancellation ends the task here
      continue;
    }
    if (failures > 0) {
      // Back after an outage: whatever was missed, the caller reloads.
      failures = 0;
      co_await on_records({});
    }
    if (read->empty()) continue;
    from = StreamPosition::at_offset(read->back().offset + 1);
    co_await on_records(*read);
  }
}

}  // namespace cafe::bus
