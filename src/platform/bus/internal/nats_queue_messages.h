// Messages of a queue on JetStream besides receiving them (nats_receiver.h):
// sending, settling deliveries by receipt, and the dead-letter stream.
// Blocking calls, made on the backend's threads, each bounded by its
// deadline.
#pragma once

#include "platform/bus/bus.h"
#include "platform/bus/internal/nats_leases.h"
#include "platform/bus/internal/nats_link.h"

#include <chrono>
#include <string>
#include <vector>

namespace cafe::bus::internal {

// One by one, stopping at the first failure. kResourceExhausted, with
// nothing sent, when the batch would take the queue past max_messages or
// (as far as send can tell, see nats_bus.h) max_bytes.
Result<void> send_messages(NatsLink& link, const std::string& queue,
                           const std::vector<OutgoingMessage>& messages, Deadline deadline);

// Ack, nack (visible again after `delay`) or extend the deliveries named
// by `receipts`; receipts the book does not hold are refused quietly.
Result<void> ack_deliveries(NatsLink& link, LeaseBook& leases, const std::string& queue,
                            const std::vector<std::string>& receipts, Deadline deadline);
Result<void> nack_deliveries(NatsLink& link, LeaseBook& leases, const std::string& queue,
                             const std::vector<std::string>& receipts, std::chrono::milliseconds delay,
                             Deadline deadline);
Result<void> extend_deliveries(NatsLink& link, LeaseBook& leases, const std::string& queue,
                               const std::vector<std::string>& receipts, std::chrono::milliseconds visibility,
                               Deadline deadline);

// Up to `limit` messages of the queue, oldest first, read from the stream
// by sequence (no delivery: nothing changes). JetStream keeps a message's
// delivery count on the consumer, out of reach without delivering it: the
// receive count is 0.
Result<std::vector<QueueMessage>> peek_messages(NatsLink& link, const std::string& queue, std::size_t limit,
                                                Deadline deadline);

Result<std::vector<QueueMessage>> peek_dead_letters(NatsLink& link, const std::string& queue,
                                                    std::size_t limit, Deadline deadline);

// Sends up to `limit` dead letters to the queue again as new messages
// (receive count 1) and deletes them from the dead-letter stream, oldest
// first; stops at the first failure and answers how many moved (the
// failure itself when none did).
Result<std::size_t> redrive_dead_letters(NatsLink& link, const std::string& queue, std::size_t limit,
                                         Deadline deadline);

}  // namespace cafe::bus::internal
