// One queue's messages as the bus process holds them in memory: ready,
// delayed, in flight and dead, indexed by when each becomes visible. Pure
// (no I/O, no clock): every operation takes `now` and returns the rows the
// engine must write, so the rules — receive counts, dead-lettering,
// receipts, bounds — are unit-tested without a database.
#pragma once

#include "platform/bus/bus.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cafe::bus::engine {

struct StoredMessage {
  std::int64_t seq = 0;  // the row's key; rising in send order
  std::string id;
  std::string body;
  std::int64_t sent_at_ms = 0;
  std::int64_t visible_at_ms = 0;
  std::uint32_t receive_count = 0;
  bool dead = false;
  // A delivery is out (received, not acked, nacked or lapsed). Memory only:
  // after a restart a message hidden by a receive counts as in flight.
  bool in_flight = false;
};

// What a receive changed, for the log: the messages handed out (new
// receive count and visibility) and those moved to the dead-letter queue.
struct ReceiveOutcome {
  std::vector<QueueMessage> delivered;
  std::vector<StoredMessage> updated;  // delivered, as they must now be stored
  std::vector<std::int64_t> dead_lettered;
};

// A receipt is "<seq>.<receive_count>": it names one delivery.
std::string make_receipt(std::int64_t seq, std::uint32_t receive_count);
std::optional<std::pair<std::int64_t, std::uint32_t>> parse_receipt(std::string_view receipt);

class QueueState {
 public:
  explicit QueueState(QueueOptions options) : options_(options) {}

  const QueueOptions& options() const noexcept { return options_; }
  void set_options(QueueOptions options) { options_ = options; }

  // Restores a row read back from the log at start-up.
  void restore(StoredMessage message);

  // kResourceExhausted when `count` more messages of `bytes` would pass
  // the queue's bounds; nothing is reserved.
  Result<void> admit(std::size_t count, std::size_t bytes) const;
  void add(StoredMessage message);

  ReceiveOutcome receive(std::int64_t now_ms, std::size_t max, std::int64_t visibility_ms);

  // Each returns the stored rows it changed; a receipt that names no
  // current delivery (acked already, or delivered again since) changes
  // nothing.
  std::vector<std::int64_t> ack(const std::vector<std::string>& receipts);
  // extend(): the deliveries stay out, hidden until `visible_at_ms`.
  std::vector<StoredMessage> change_visibility(const std::vector<std::string>& receipts,
                                               std::int64_t visible_at_ms);
  // nack(): the deliveries end; the messages are ready again at `visible_at_ms`.
  std::vector<StoredMessage> hand_back(const std::vector<std::string>& receipts, std::int64_t visible_at_ms);

  // Messages not dead, oldest first, unchanged.
  std::vector<QueueMessage> peek(std::size_t limit) const;
  // Dead letters, oldest first.
  std::vector<QueueMessage> dead_letters(std::size_t limit) const;
  // Moves up to `limit` dead letters back, visible at `now_ms` with their
  // receive count reset; returns them as they must be stored.
  std::vector<StoredMessage> redrive(std::size_t limit, std::int64_t now_ms);
  // Dead letters older than `cutoff_ms` (by send time), dropped.
  std::vector<std::int64_t> expire_dead(std::int64_t cutoff_ms);
  std::size_t purge();

  // The earliest time a message not yet visible becomes visible, if any.
  std::optional<std::int64_t> next_visible_at(std::int64_t now_ms) const;
  bool has_visible(std::int64_t now_ms) const;

  QueueStats stats(std::int64_t now_ms) const;
  std::size_t size() const noexcept { return live_.size(); }

 private:
  StoredMessage* find_delivery(std::string_view receipt);
  void reschedule(StoredMessage& message, std::int64_t visible_at_ms);

  QueueOptions options_;
  std::map<std::int64_t, StoredMessage> live_;               // ready, delayed, in flight
  std::set<std::pair<std::int64_t, std::int64_t>> by_time_;  // (visible_at, seq) of live_
  std::map<std::int64_t, StoredMessage> dead_;
  std::size_t live_bytes_ = 0;
};

}  // namespace cafe::bus::engine
