// Follows a stream from "now" on, in every replica: the broadcast a cache
// invalidation needs (each menu replica reloads on CatalogChanged; order's
// catalog copy does the same), unlike StreamWorker (consumer.h), where a
// group shares the work and commits offsets.
//
// It starts at the first record appended after run() began (nothing older
// is replayed: the caller has just loaded its state), long-polls for
// more, and hands each batch to `on_records`. A gap while the bus was down
// is not replayed either: after a failure it resumes from where it was if
// that is still retained, and `on_records` is called with an empty batch
// once the bus answers again, so the caller can reload in full. Runs until
// cancelled (service/task_group.h).
#pragma once

#include "platform/bus/bus.h"
#include "platform/resilience/backoff.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cafe::bus {

struct StreamTailOptions {
  std::string stream;
  std::size_t batch_size = 100;
  std::chrono::milliseconds wait{1'000};  // long poll; also how long a stop may wait for it
  std::chrono::milliseconds call_timeout{5'000};
  resilience::Backoff::Options failure_backoff{.base = std::chrono::milliseconds(100),
                                               .cap = std::chrono::milliseconds(5'000)};
};

using TailHandler = std::function<boost::asio::awaitable<void>(const std::vector<StreamRecord>& records)>;

// Follows `options.stream` until cancelled. `bus` outlives the call.
boost::asio::awaitable<void> tail_stream(Bus& bus, StreamTailOptions options, TailHandler on_records);

}  // namespace cafe::bus
