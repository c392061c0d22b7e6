// Our messages on the wire: what we publish (a body and our headers, with
// Nats-Msg-Id for JetStream's dedupe) and what we read back from a
// delivery (its metadata comes from the ack subject JetStream gives it).
#pragma once

#include "platform/bus/internal/nats_handles.h"
#include "platform/bus/internal/nats_link.h"
#include "platform/bus/internal/nats_names.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::bus::internal {

struct Outgoing {
  std::string subject;
  std::string_view body;
  std::string msg_id;  // Nats-Msg-Id; empty for none
  std::vector<std::pair<const char*, std::string>> headers;
};

struct Published {
  // The stream sequence; for a copy absorbed by the dedupe window (same
  // Nats-Msg-Id), the first copy's.
  std::uint64_t sequence = 0;
};

// Publishes and waits (until `deadline`) for the stream to store it.
Result<Published> publish(NatsLink& link, const Outgoing& message, Deadline deadline);

// One message as a pull consumer delivered it, or as the stream holds it.
struct Delivery {
  std::string body;
  std::string id;           // Cafe-Id
  std::string key;          // Cafe-Key (streams)
  std::string ack_subject;  // where acks, naks and progress go
  std::uint64_t sequence = 0;
  std::uint64_t delivered = 0;  // JetStream's delivery count, this one included
  std::int64_t stored_at_ms = 0;
  std::optional<std::int64_t> sent_at_ms;
  std::optional<std::int64_t> not_before_ms;
  std::optional<std::uint32_t> receives;
};

// kInternal when the message is not a JetStream delivery.
Result<Delivery> read_delivery(natsMsg* message);

// A message read from the stream by sequence (a direct get): no ack
// subject, no delivery count.
Delivery read_stored(natsMsg* message);

// Unix milliseconds now, on the system clock (what the stream's times are
// compared with).
std::int64_t unix_now_ms();

}  // namespace cafe::bus::internal
