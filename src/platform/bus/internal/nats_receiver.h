// Receiving from one queue through this bus: a small pool of threads, each
// pulling through its own inbox from the queue's durable consumer. Every
// delivery is handed out (held in the lease book, which gives its
// receipt), taken back (the early delivery of a delayed send), or moved
// to the dead-letter stream (delivered more than max_receives times).
//
// The queue's settings (visibility, max_receives) and the consumer's ack
// wait are read from JetStream and kept for a second, so a queue declared
// again elsewhere is followed soon.
#pragma once

#include "platform/bus/bus.h"
#include "platform/bus/internal/nats_leases.h"
#include "platform/bus/internal/nats_link.h"
#include "platform/bus/internal/nats_message.h"
#include "platform/bus/internal/nats_names.h"
#include "platform/bus/internal/nats_pull.h"
#include "platform/core/blocking_pool.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cafe::bus::internal {

class QueueReceiver {
 public:
  QueueReceiver(NatsLink& link, LeaseBook& leases, std::string queue, const NatsBusOptions& options);
  ~QueueReceiver();
  QueueReceiver(const QueueReceiver&) = delete;
  QueueReceiver& operator=(const QueueReceiver&) = delete;

  // The threads receive() runs on (bounded; refuses when full or stopped).
  BlockingPool& pool() noexcept { return pool_; }

  // One receive, on a pool thread. Bounded by `deadline`: a long poll ends
  // empty a little before it.
  Result<std::vector<QueueMessage>> receive(const ReceiveOptions& options, Deadline deadline);

  // Refuses queued receives, waits for running ones (the link's close ends
  // their waits), drops the inboxes. Idempotent.
  void stop();

 private:
  struct Settings {
    QueueSettings queue;
    std::chrono::milliseconds ack_wait{0};
    Deadline::Clock::time_point read_at{};
  };

  // A receive's state: what it holds and where its messages go.
  struct Batch;

  Result<Settings> settings(Deadline deadline);
  std::unique_ptr<Puller> borrow_puller(Result<void>& failure);
  void give_back(std::unique_ptr<Puller> puller);
  void handle(std::vector<MsgPtr>& messages, Batch& batch, Deadline deadline);
  void dead_letter(const Delivery& delivery, std::uint32_t receives, Deadline deadline);

  NatsLink& link_;
  LeaseBook& leases_;
  const std::string queue_;
  const std::string stream_;

  std::mutex mutex_;
  std::optional<Settings> settings_;              // guarded by mutex_
  std::vector<std::unique_ptr<Puller>> pullers_;  // idle ones; guarded by mutex_
  BlockingPool pool_;
};

}  // namespace cafe::bus::internal
