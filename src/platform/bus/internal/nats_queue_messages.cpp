#include "platform/bus/internal/nats_queue_messages.h"

#include "platform/bus/internal/nats_jetstream.h"
#include "platform/bus/internal/nats_message.h"
#include "platform/bus/internal/nats_names.h"
#include "platform/bus/internal/nats_queue_admin.h"

#include <algorithm>
#include <optional>

namespace cafe::bus::internal {
namespace {

// What a message adds to a stream's byte count besides its body, as far as
// send() needs to know: subject, our headers, JetStream's record.
std::size_t stored_size(const std::string& subject, const OutgoingMessage& m) {
  return m.body.size() + subject.size() + 2 * m.id.size() + 128;
}

// The receipts the book held, as (ack subject, payload) pairs, with where
// each came from.
struct Held {
  std::vector<std::pair<std::string, std::string>> acks;
  std::vector<std::pair<std::string, LeaseBook::Lease>> leases;
};

Held held(std::vector<std::optional<LeaseBook::Lease>>& taken, const std::vector<std::string>& receipts,
          const std::string& payload) {
  Held h;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (!taken[i]) continue;
    h.acks.emplace_back(taken[i]->ack_subject, payload);
    h.leases.emplace_back(receipts[i], std::move(*taken[i]));
  }
  return h;
}

Error unconfirmed(std::string_view what) {
  return Error::make(ErrorCode::kDeadlineExceeded, "nats " + std::string(what) + ": not confirmed in time");
}

}  // namespace

Result<void> send_messages(NatsLink& link, const std::string& queue,
                           const std::vector<OutgoingMessage>& messages, Deadline deadline) {
  const std::string stream = queue_stream(queue);
  const std::string subject = queue_subject(queue);
  auto info = stream_info(link, stream, deadline);
  if (!info) return info.error();
  const auto& state = (*info)->State;
  const auto* config = (*info)->Config;
  if (config->MaxMsgs > 0 && state.Msgs + messages.size() > static_cast<std::uint64_t>(config->MaxMsgs)) {
    return Error::make(ErrorCode::kResourceExhausted, "queue " + queue + " is full (max_messages)");
  }
  const auto settings = parse_queue_settings(config->Description != nullptr ? config->Description : "");
  if (settings && settings->max_bytes > 0) {
    std::size_t incoming = 0;
    for (const auto& m : messages) incoming += stored_size(subject, m);
    if (state.Bytes + incoming > settings->max_bytes) {
      return Error::make(ErrorCode::kResourceExhausted, "queue " + queue + " is full (max_bytes)");
    }
  }
  const std::string sent_at = std::to_string(unix_now_ms());
  for (const auto& m : messages) {
    Outgoing out{.subject = subject,
                 .body = m.body,
                 .msg_id = m.id,
                 .headers = {{kIdHeader, m.id}, {kSentAtHeader, sent_at}}};
    if (m.delay.count() > 0)
      out.headers.emplace_back(kNotBeforeHeader, std::to_string(unix_now_ms() + m.delay.count()));
    if (auto stored = publish(link, out, deadline); !stored) return stored.error();
  }
  return ok();
}

Result<void> ack_deliveries(NatsLink& link, LeaseBook& leases, const std::string& queue,
                            const std::vector<std::string>& receipts, Deadline deadline) {
  auto taken = leases.take(queue, receipts);
  Held h = held(taken, receipts, std::string(kAck));
  if (h.acks.empty()) return queue_exists(link, queue, deadline);
  auto confirmed = link.acknowledge(h.acks, deadline);
  if (!confirmed) {
    leases.restore(std::move(h.leases));
    return confirmed.error();
  }
  // An ack not confirmed may still have been applied; kept, the receipt
  // can be acked again (a second ack of a deleted message does nothing).
  std::vector<std::pair<std::string, LeaseBook::Lease>> again;
  for (std::size_t i = 0; i < h.leases.size(); ++i) {
    if (!(*confirmed)[i]) again.push_back(std::move(h.leases[i]));
  }
  if (again.empty()) return ok();
  leases.restore(std::move(again));
  return unconfirmed("ack");
}

Result<void> nack_deliveries(NatsLink& link, LeaseBook& leases, const std::string& queue,
                             const std::vector<std::string>& receipts, std::chrono::milliseconds delay,
                             Deadline deadline) {
  auto taken = leases.take(queue, receipts);
  Held h = held(taken, receipts, nak_with_delay(delay));
  if (h.acks.empty()) return queue_exists(link, queue, deadline);
  auto confirmed = link.acknowledge(h.acks, deadline);
  if (!confirmed) {
    leases.restore(std::move(h.leases));
    return confirmed.error();
  }
  // Not put back: a nak that was applied may have let the message go to
  // someone else, and our keeper must not touch that delivery.
  for (bool c : *confirmed) {
    if (!c) return unconfirmed("nack");
  }
  return ok();
}

Result<void> extend_deliveries(NatsLink& link, LeaseBook& leases, const std::string& queue,
                               const std::vector<std::string>& receipts, std::chrono::milliseconds visibility,
                               Deadline deadline) {
  const auto held = leases.extend(queue, receipts, visibility);
  for (bool h : held) {
    if (h) return ok();
  }
  return queue_exists(link, queue, deadline);
}

Result<std::vector<QueueMessage>> peek_messages(NatsLink& link, const std::string& queue, std::size_t limit,
                                                Deadline deadline) {
  const std::string stream = queue_stream(queue);
  const std::string subject = queue_subject(queue);
  auto info = stream_info(link, stream, deadline);
  if (!info) return info.error();
  std::vector<QueueMessage> out;
  std::uint64_t next = std::max<std::uint64_t>(1, (*info)->State.FirstSeq);
  while (out.size() < limit && next <= (*info)->State.LastSeq) {
    auto found = next_stored(link, stream, subject, next, deadline);
    if (!found) return found.error();
    if (!*found) break;
    Delivery& d = **found;
    next = d.sequence + 1;
    out.push_back(QueueMessage{.id = std::move(d.id),
                               .receipt = {},
                               .body = std::move(d.body),
                               .receive_count = 0,
                               .sent_at_ms = d.sent_at_ms.value_or(d.stored_at_ms)});
  }
  return out;
}

Result<std::vector<QueueMessage>> peek_dead_letters(NatsLink& link, const std::string& queue,
                                                    std::size_t limit, Deadline deadline) {
  auto letters = read_stream(link, dead_letter_stream(queue), 0, static_cast<int>(limit),
                             std::chrono::milliseconds(0), deadline);
  if (!letters) return letters.error();
  std::vector<QueueMessage> out;
  out.reserve(letters->size());
  for (auto& d : *letters) {
    out.push_back(QueueMessage{.id = std::move(d.id),
                               .receipt = {},
                               .body = std::move(d.body),
                               .receive_count = d.receives.value_or(0),
                               .sent_at_ms = d.sent_at_ms.value_or(d.stored_at_ms)});
  }
  return out;
}

Result<std::size_t> redrive_dead_letters(NatsLink& link, const std::string& queue, std::size_t limit,
                                         Deadline deadline) {
  const std::string dead = dead_letter_stream(queue);
  auto letters = read_stream(link, dead, 0, static_cast<int>(limit), std::chrono::milliseconds(0), deadline);
  if (!letters) return letters.error();
  const std::string subject = queue_subject(queue);
  std::size_t moved = 0;
  for (const auto& d : *letters) {
    // A new message id scope: the queue's dedupe window still remembers
    // the event id from its first send. With the dead letter's sequence,
    // a redrive repeated after a failed delete is absorbed.
    Outgoing out{.subject = subject,
                 .body = d.body,
                 .msg_id = d.id + "~redrive@" + std::to_string(d.sequence),
                 .headers = {{kIdHeader, d.id},
                             {kSentAtHeader, std::to_string(d.sent_at_ms.value_or(d.stored_at_ms))}}};
    Result<void> step = ok();
    if (auto stored = publish(link, out, deadline); !stored) {
      step = stored.error();
    } else {
      step = delete_message(link, dead, d.sequence, deadline);
    }
    if (!step) {
      if (moved == 0) return step.error();
      break;
    }
    ++moved;
  }
  return moved;
}

}  // namespace cafe::bus::internal
