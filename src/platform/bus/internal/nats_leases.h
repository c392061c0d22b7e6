// The deliveries this bus holds and their visibility (nats_bus.h says why
// visibility is ours). A receipt names one delivery held here. The keeper
// thread naks a delivery whose visibility ran out (it becomes visible
// again) and sends "in progress" for one whose visibility outlasts the
// consumer's ack wait, so JetStream does not redeliver it on its own.
//
// Bounded: receive() reserves room before it pulls, so no delivery is ever
// taken from JetStream that the book cannot hold. Thread-safe.
#pragma once

#include "platform/bus/internal/nats_link.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cafe::bus::internal {

class LeaseBook {
 public:
  using Clock = std::chrono::steady_clock;

  struct Lease {
    std::string queue;
    std::string ack_subject;
    Clock::time_point visible_at;        // hidden until then
    Clock::time_point server_expiry;     // when JetStream would redeliver by itself
    std::chrono::milliseconds ack_wait;  // the consumer's
  };

  LeaseBook(NatsLink& link, std::size_t capacity);
  ~LeaseBook();
  LeaseBook(const LeaseBook&) = delete;
  LeaseBook& operator=(const LeaseBook&) = delete;

  // Reserves room for up to `wanted` deliveries; answers how many it got
  // (0 when the book is full).
  std::size_t reserve(std::size_t wanted);
  // Gives back reservations that were not used.
  void release(std::size_t unused);
  // Holds a delivery in a reserved place; answers its receipt.
  std::string hold(Lease lease);

  // Takes the named deliveries of `queue` out of the book, so that nothing
  // else (an ack, the keeper) acts on them; nullopt for a receipt the book
  // does not hold for that queue.
  std::vector<std::optional<Lease>> take(const std::string& queue, const std::vector<std::string>& receipts);
  // Puts back deliveries taken for an acknowledgement that did not get
  // through, unless their visibility has run out meanwhile.
  void restore(std::vector<std::pair<std::string, Lease>> leases);
  // Hides the named deliveries of `queue` for `visibility` from now;
  // answers, per receipt, whether the book held it.
  std::vector<bool> extend(const std::string& queue, const std::vector<std::string>& receipts,
                           std::chrono::milliseconds visibility);
  // Drops every delivery of `queue` (purged: there is nothing to ack).
  void forget_queue(const std::string& queue);

  // Stops the keeper; deliveries still held come back when JetStream's ack
  // wait runs out. Idempotent.
  void stop();

 private:
  Clock::time_point due(const Lease& lease) const;
  void schedule(const std::string& receipt, const Lease& lease);    // requires mutex_
  void unschedule(const std::string& receipt, const Lease& lease);  // requires mutex_
  void keep();

  NatsLink& link_;
  const std::size_t capacity_;
  const std::string token_;  // tells this book's receipts from any other's

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Lease> leases_;                      // guarded by mutex_
  std::set<std::pair<Clock::time_point, std::string>> due_;  // guarded by mutex_
  std::size_t reserved_ = 0;                                 // guarded by mutex_
  std::uint64_t next_ = 0;                                   // guarded by mutex_
  bool stopping_ = false;                                    // guarded by mutex_
  std::thread keeper_;
};

}  // namespace cafe::bus::internal
