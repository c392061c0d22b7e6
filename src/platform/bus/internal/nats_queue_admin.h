// Declaring, purging and measuring queues on JetStream (layout in
// nats_names.h). Blocking calls, made on the backend's threads, each
// bounded by its deadline.
#pragma once

#include "platform/bus/bus.h"
#include "platform/bus/internal/nats_leases.h"
#include "platform/bus/internal/nats_link.h"

#include <chrono>
#include <string>
#include <vector>

namespace cafe::bus::internal {

// The work-queue stream, its durable consumer (ack wait = visibility +
// `grace`, see nats_bus.h) and the dead-letter stream; options of an
// existing queue are updated.
Result<void> declare_queue(NatsLink& link, const std::string& queue, const QueueOptions& options,
                           std::chrono::milliseconds grace, Deadline deadline);

// Whether the queue was declared: kNotFound when not.
Result<void> queue_exists(NatsLink& link, const std::string& queue, Deadline deadline);

// Drops every message of the queue and its dead letters, and the
// deliveries `leases` holds for it; answers how many messages went.
Result<std::size_t> purge_queue(NatsLink& link, LeaseBook& leases, const std::string& queue,
                                Deadline deadline);

Result<std::vector<QueueStats>> queue_stats(NatsLink& link, Deadline deadline);

}  // namespace cafe::bus::internal
