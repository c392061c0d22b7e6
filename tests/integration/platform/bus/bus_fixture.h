// The fixture every bus backend runs the conformance suite through: a Bus
// on the backend's shared server, names no other test uses, and helpers
// that drive the bus's coroutines from a test. Cases are written against
// the Bus interface only, so that every backend runs them unchanged.
#pragma once

#include "platform/bus/bus.h"
#include "support/bus_backends.h"
#include "support/coro_runner.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::bus::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The I/O thread every case's coroutines run on, as a service's run on
// its own: one for the whole executable, since a bus client may keep
// state per I/O thread and close it there.
test::CoroRunner& io_thread();

// Runs one awaitable to completion on the I/O thread.
template <class T>
T run(boost::asio::awaitable<T> op) {
  return io_thread()(std::move(op));
}

inline Deadline soon(std::chrono::milliseconds budget = 10s) {
  return Deadline::after(budget);
}

inline std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// "code: detail" of a result's error, or "ok", for assertion messages.
template <class R>
std::string outcome(const R& r) {
  if (r) return "ok";
  return std::string(to_string(r.error().code)) + ": " + r.error().detail;
}

std::int64_t unix_ms();

// Options as the cases need them: the defaults of bus.h but for what is
// named.
inline ReceiveOptions up_to(std::size_t max_messages, std::chrono::milliseconds wait = 0ms,
                            std::optional<std::chrono::milliseconds> visibility = std::nullopt) {
  return {.max_messages = max_messages, .wait = wait, .visibility = visibility};
}
inline ReadOptions records(std::size_t max_records, std::chrono::milliseconds wait = 0ms) {
  return {.max_records = max_records, .wait = wait};
}
inline QueueOptions visible_for(std::chrono::milliseconds visibility, std::uint32_t max_receives = 5) {
  QueueOptions o;
  o.visibility = visibility;
  o.max_receives = max_receives;
  return o;
}
inline QueueOptions holding_messages(std::size_t max_messages) {
  QueueOptions o;
  o.max_messages = max_messages;
  return o;
}
inline QueueOptions holding_bytes(std::size_t max_bytes) {
  QueueOptions o;
  o.max_bytes = max_bytes;
  return o;
}
inline StreamOptions kept_for(std::chrono::milliseconds max_age) {
  StreamOptions o;
  o.max_age = max_age;
  return o;
}
inline StreamOptions kept_up_to(std::size_t max_bytes) {
  StreamOptions o;
  o.max_bytes = max_bytes;
  return o;
}
inline OutgoingMessage message(std::string id, std::string body, std::chrono::milliseconds delay = 0ms) {
  return {.id = std::move(id), .body = std::move(body), .delay = delay};
}

class BusConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Another Bus object on the same server: a consumer restarted.
  std::unique_ptr<Bus> open_bus();

  // A queue or stream name no other test uses.
  std::string fresh(std::string_view what);

  // Declares a fresh queue with `options` (failing the test if it cannot).
  std::string queue(QueueOptions options = {});
  std::string stream(StreamOptions options = {});

  Result<void> send(const std::string& queue, std::vector<OutgoingMessage> messages);
  Result<void> send_one(const std::string& queue, std::string id, std::string body = "body",
                        std::chrono::milliseconds delay = 0ms);
  Result<std::vector<QueueMessage>> receive(const std::string& queue, ReceiveOptions options = {},
                                            Deadline deadline = soon());
  Result<void> ack(const std::string& queue, std::vector<std::string> receipts);
  // The stats of one queue (a default QueueStats if it is missing).
  QueueStats stats_of(const std::string& queue);
  StreamStats stream_stats_of(const std::string& stream);
  Result<std::vector<std::uint64_t>> append(const std::string& stream, std::vector<StreamEntry> entries);
  Result<std::vector<StreamRecord>> read(const std::string& stream, StreamPosition from,
                                         ReadOptions options = {}, Deadline deadline = soon());

  std::unique_ptr<Bus> bus_;
};

// Entries with ids "<prefix>0".."<prefix>n-1", bodies "body-<id>", all with
// partition key `key`.
std::vector<StreamEntry> entries(std::string_view prefix, int n, std::string_view key = "k");

}  // namespace cafe::bus::testing
