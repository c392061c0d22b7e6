// The bus every service uses for work queues (the SQS role) and event
// streams (the Kinesis role), with two backends behind one interface and
// one conformance suite (tests/integration/platform/bus/):
//   - embedded: a client of `cloudcafe serve bus`, the process that owns a
//     SQLite log (the default, and what tests and `cloudcafe up` use);
//   - NATS JetStream: work-queue streams for queues, limits streams for
//     streams (the real stack).
//
// Queues. send() stores messages durably before it resumes (a message sent
// and acknowledged survives a crash of the bus). receive() hands out up to
// `max_messages` visible messages, each hidden for `visibility` and
// counted; a message received `max_receives` times and still not acked
// moves to the queue's dead-letter queue instead of being handed out
// again. ack() deletes; nack() makes visible again after `delay`; extend()
// pushes the visibility deadline out for slow work. A receipt names one
// delivery: acking with the receipt of an earlier delivery (the message
// became visible and went to someone else) is refused per message, quietly.
//
// Streams. append() stores records durably and answers their offsets:
// rising within a stream, so the order of records with one partition key
// is the order they were appended. read() is stateless (a Kinesis shard
// iterator): from an offset, from a time, or from what a consumer group has
// committed; commit() records a group's position (a KCL checkpoint), so a
// consumer restarted reads on from there. Retention drops records older
// than `max_age` or beyond `max_bytes`.
//
// Bounds. Every queue and stream has a depth/size limit: a send beyond it is
// refused with kResourceExhausted, never buffered. Every call carries a
// deadline; a long poll waits at most `wait` and never past the deadline.
//
// Errors: kUnavailable (the bus is down or refused: retry the call),
// kDeadlineExceeded (no answer in time: a send may or may not have been
// stored — messages carry ids so consumers deduplicate), kNotFound (an
// undeclared queue or stream), kInvalidArgument (bad names, sizes),
// kResourceExhausted (full).
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cafe::bus {

// Names: [a-z0-9][a-z0-9_-]{0,63} (they become NATS stream and subject
// names too). Bodies: UTF-8 text (events are JSON), at most kMaxBodyBytes
// each. The argument rules are in validate.h, shared by every backend.
inline constexpr std::size_t kMaxBodyBytes = std::size_t{256} * 1024;
inline constexpr std::size_t kMaxBatch = 500;  // messages or records per call
bool valid_name(std::string_view name) noexcept;

struct QueueOptions {
  std::chrono::milliseconds visibility{30'000};  // default for receive()
  std::uint32_t max_receives = 5;                // then the message is dead-lettered
  std::size_t max_messages = 100'000;            // ready + in flight; sends beyond are refused
  std::size_t max_bytes = 64u << 20;
  std::chrono::hours dead_letter_retention{24 * 14};
};

struct StreamOptions {
  std::chrono::milliseconds max_age{std::chrono::hours(24)};
  // Bodies, keys and ids of the retained records (the embedded bus keeps
  // them all in memory, so this bounds its memory too).
  std::size_t max_bytes = 64u << 20;
};

struct OutgoingMessage {
  std::string id;  // the event id: what consumers deduplicate on (Nats-Msg-Id)
  std::string body;
  std::chrono::milliseconds delay{0};  // not visible before this
};

struct QueueMessage {
  std::string id;
  std::string receipt;  // names this delivery, for ack / nack / extend
  std::string body;
  std::uint32_t receive_count = 0;  // this delivery included
  std::int64_t sent_at_ms = 0;      // Unix milliseconds
};

struct ReceiveOptions {
  std::size_t max_messages = 10;                        // 1..kMaxBatch
  std::chrono::milliseconds wait{0};                    // long poll: wait this long for the first message
  std::optional<std::chrono::milliseconds> visibility;  // the queue's default when empty
};

struct QueueStats {
  std::string name;
  std::size_t ready = 0;           // visible now or after a delay
  std::size_t in_flight = 0;       // received, not yet acked
  std::size_t dead = 0;            // in the dead-letter queue
  std::int64_t oldest_age_ms = 0;  // age of the oldest message not dead (0 when empty)
};

struct StreamEntry {
  std::string partition_key;  // the order or store id
  std::string id;             // the event id
  std::string body;
};

struct StreamRecord {
  std::uint64_t offset = 0;  // rising within the stream; not necessarily contiguous
  std::string partition_key;
  std::string id;
  std::string body;
  std::int64_t appended_at_ms = 0;  // Unix milliseconds
};

// Where a read starts. `group`: after the group's committed offset (from the
// first retained record when it has committed none).
struct StreamPosition {
  enum class Kind { kOffset, kTime, kGroup } kind = Kind::kOffset;
  std::uint64_t offset = 0;  // kOffset: the first offset wanted (0: the oldest retained)
  std::int64_t time_ms = 0;  // kTime: the first record appended at or after this
  std::string group;         // kGroup

  static StreamPosition at_offset(std::uint64_t offset) { return {Kind::kOffset, offset, 0, {}}; }
  static StreamPosition at_time(std::int64_t time_ms) { return {Kind::kTime, 0, time_ms, {}}; }
  static StreamPosition after_group(std::string group) { return {Kind::kGroup, 0, 0, std::move(group)}; }
};

struct ReadOptions {
  std::size_t max_records = 100;      // 1..kMaxBatch
  std::chrono::milliseconds wait{0};  // long poll for the first record
};

struct StreamStats {
  std::string name;
  std::uint64_t first_offset = 0;  // oldest retained (0 when empty)
  std::uint64_t last_offset = 0;   // newest (0 when empty)
  std::size_t records = 0;
  std::size_t bytes = 0;
  // group -> committed offset, for lag = last_offset - committed
  std::vector<std::pair<std::string, std::uint64_t>> groups;
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Creates the queue or stream, or updates its options; idempotent.
  virtual boost::asio::awaitable<Result<void>> declare_queue(std::string queue, QueueOptions options,
                                                             Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> declare_stream(std::string stream, StreamOptions options,
                                                              Deadline deadline) = 0;

  // --- queues ---
  virtual boost::asio::awaitable<Result<void>> send(std::string queue, std::vector<OutgoingMessage> messages,
                                                    Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<std::vector<QueueMessage>>> receive(std::string queue,
                                                                            ReceiveOptions options,
                                                                            Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> ack(std::string queue, std::vector<std::string> receipts,
                                                   Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> nack(std::string queue, std::vector<std::string> receipts,
                                                    std::chrono::milliseconds delay, Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<void>> extend(std::string queue, std::vector<std::string> receipts,
                                                      std::chrono::milliseconds visibility,
                                                      Deadline deadline) = 0;
  // Up to `limit` messages not dead-lettered (ready, delayed or in flight),
  // oldest first, without receiving them: nothing changes, no receipt.
  virtual boost::asio::awaitable<Result<std::vector<QueueMessage>>> peek(std::string queue, std::size_t limit,
                                                                         Deadline deadline) = 0;
  // The dead-letter queue, oldest first (a peek: nothing changes).
  virtual boost::asio::awaitable<Result<std::vector<QueueMessage>>> dead_letters(std::string queue,
                                                                                 std::size_t limit,
                                                                                 Deadline deadline) = 0;
  // Moves up to `limit` dead letters back to the queue with their receive
  // count reset; answers how many moved.
  virtual boost::asio::awaitable<Result<std::size_t>> redrive(std::string queue, std::size_t limit,
                                                              Deadline deadline) = 0;
  // Drops every message (ready, in flight and dead); answers how many.
  virtual boost::asio::awaitable<Result<std::size_t>> purge(std::string queue, Deadline deadline) = 0;

  // --- streams ---
  // Offsets of the appended records, in the order given.
  virtual boost::asio::awaitable<Result<std::vector<std::uint64_t>>> append(std::string stream,
                                                                            std::vector<StreamEntry> entries,
                                                                            Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<std::vector<StreamRecord>>> read(std::string stream,
                                                                         StreamPosition from,
                                                                         ReadOptions options,
                                                                         Deadline deadline) = 0;
  // Records that `group` has processed everything up to `offset` inclusive.
  virtual boost::asio::awaitable<Result<void>> commit(std::string stream, std::string group,
                                                      std::uint64_t offset, Deadline deadline) = 0;
  // The group's committed offset; empty when it has committed none.
  virtual boost::asio::awaitable<Result<std::optional<std::uint64_t>>> committed(std::string stream,
                                                                                 std::string group,
                                                                                 Deadline deadline) = 0;

  // --- operating it ---
  virtual boost::asio::awaitable<Result<std::vector<QueueStats>>> queue_stats(Deadline deadline) = 0;
  virtual boost::asio::awaitable<Result<std::vector<StreamStats>>> stream_stats(Deadline deadline) = 0;

  // "embedded" or "nats", for logs and metrics.
  virtual std::string_view backend() const noexcept = 0;
  // Ends background threads and connections; calls after it fail with
  // kUnavailable. Idempotent.
  virtual void close() = 0;
};

}  // namespace cafe::bus
