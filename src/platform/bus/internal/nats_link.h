// The NATS backend's one connection and JetStream context, the deadline
// arithmetic every libnats call shares, and what a libnats outcome means to
// a caller of the bus. libnats is thread-safe: the backend's threads share
// the link.
#pragma once

#include "platform/bus/internal/nats_handles.h"
#include "platform/bus/nats_bus.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::bus::internal {

// Milliseconds left before `deadline`, at least 1: libnats reads 0 as
// "its own default", never as "none left".
std::int64_t millis_left(Deadline deadline);

// Options for one JetStream API call that waits at most until `deadline`.
jsOptions api_options(Deadline deadline);

// What a failed libnats call means for a caller: kNotFound (no such stream
// or consumer), kResourceExhausted (a limit refused it), kDeadlineExceeded
// (no answer by the deadline), kUnavailable (the server is down or
// disconnected, or JetStream refused for a reason of its own). `what`
// names the operation in the detail.
Error nats_error(natsStatus status, int js_code, std::string_view what, Deadline deadline);

// The text libnats recorded for the last failure on this thread.
std::string last_nats_error();

// Answers of JetStream to acknowledgement payloads sent to ack subjects.
inline constexpr std::string_view kAck = "+ACK";
inline constexpr std::string_view kNak = "-NAK";
inline constexpr std::string_view kInProgress = "+WPI";
std::string nak_with_delay(std::chrono::milliseconds delay);

class NatsLink {
 public:
  static Result<std::unique_ptr<NatsLink>> connect(const NatsBusOptions& options);
  ~NatsLink();
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;

  natsConnection* connection() const noexcept { return conn_; }
  jsCtx* jetstream() const noexcept { return js_; }

  // Closes the connection: every wait on it (requests, NextMsg) ends at
  // once and every later call fails. Idempotent, thread-safe.
  void close();

  // kUnavailable unless the connection is up now. libnats fails requests
  // that are waiting when it loses the server, but queues new ones while
  // it reconnects: a call checks first, so that it fails at once instead
  // of waiting out its deadline.
  Result<void> ready() const;

  // Sends each (ack subject, payload) as a request and waits until
  // `deadline` for JetStream's answers, which it gives once it has applied
  // the ack, nak or progress. Answers, per entry, whether it was confirmed.
  // One round trip for the lot, not one per entry.
  Result<std::vector<bool>> acknowledge(const std::vector<std::pair<std::string, std::string>>& acks,
                                        Deadline deadline);

  // Sends an acknowledgement payload without waiting for JetStream to apply
  // it (the visibility keeper's naks and progress notes: a lost one is
  // covered by the consumer's ack wait).
  void tell(const std::string& ack_subject, std::string_view payload);

 private:
  NatsLink() = default;

  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
  std::atomic<bool> closing_{false};
};

}  // namespace cafe::bus::internal
