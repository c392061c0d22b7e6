// One stream as the bus process holds it: every retained record in memory
// (bounded by the stream's max_bytes; SQLite is its durable copy, read back
// at start-up), the groups' committed offsets, and the appends still being
// committed. Pure: the engine supplies times and persists what changes.
//
// Offsets are handed out when an append arrives, but a record becomes
// readable only when its append and every earlier one have committed (or
// failed, leaving a gap), so a reader never sees offset 7 and later misses
// offset 6.
#pragma once

#include "platform/bus/bus.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cafe::bus::engine {

inline constexpr std::size_t kRecordOverheadBytes = 64;  // counted against max_bytes per record

// Keys (stream offsets, message sequence numbers) start from the wall clock
// in microseconds-sized steps: at least now_ms × 1000. A restarted bus then
// never hands out a key it gave out before, even when the rows that held
// it are gone (acked, expired) — so a consumer's retried ack cannot match a
// newer message, and a reader's cursor cannot skip new records. It holds
// while the bus hands out fewer than 1,000 keys per millisecond on average
// and the clock does not step back across a restart.
inline constexpr std::int64_t kKeysPerMillisecond = 1000;

class StreamState {
 public:
  explicit StreamState(StreamOptions options) : options_(options) {}

  const StreamOptions& options() const noexcept { return options_; }
  void set_options(StreamOptions options) { options_ = options; }

  // Start-up: records in offset order, then groups.
  void restore(StreamRecord record);
  void restore_group(std::string group, std::uint64_t offset) { groups_[std::move(group)] = offset; }

  // Reserves offsets for `entries`, the first at least `floor`, and stamps
  // them (appended_at never goes backwards, so reads from a time are a
  // binary search). The records stay invisible until complete(). The
  // engine's floor comes from the clock (see kKeysPerMillisecond), so an
  // offset is never handed out twice, even after retention emptied the
  // stream and the process restarted.
  std::vector<StreamRecord> reserve(std::vector<StreamEntry> entries, std::int64_t now_ms,
                                    std::uint64_t floor = 0);
  // The append whose first offset is `first` committed (records) or failed
  // (nullopt). Returns true when readable records were added.
  bool complete(std::uint64_t first, std::optional<std::vector<StreamRecord>> records);

  // Up to `max` readable records from `from` (resolved against groups).
  std::vector<StreamRecord> read(const StreamPosition& from, std::size_t max) const;
  bool has_records_after(const StreamPosition& from) const;

  void commit(const std::string& group, std::uint64_t offset) { groups_[group] = offset; }
  std::optional<std::uint64_t> committed(const std::string& group) const;

  // Drops records older than the stream's max_age or beyond its max_bytes;
  // returns the first offset still retained (everything below it is gone).
  std::optional<std::uint64_t> apply_retention(std::int64_t now_ms);

  StreamStats stats() const;
  std::uint64_t next_offset() const noexcept { return next_offset_; }

 private:
  std::uint64_t start_offset(const StreamPosition& from) const;
  static std::size_t charge(const StreamRecord& r) {
    return r.body.size() + r.partition_key.size() + r.id.size() + kRecordOverheadBytes;
  }

  StreamOptions options_;
  std::deque<StreamRecord> records_;  // readable, by offset
  std::size_t bytes_ = 0;
  std::uint64_t next_offset_ = 1;
  std::int64_t last_appended_at_ms_ = 0;
  struct Pending {
    std::uint64_t last = 0;
    bool done = false;
    std::vector<StreamRecord> records;  // empty when the append failed
  };
  std::map<std::uint64_t, Pending> pending_;  // by first offset
  std::map<std::string, std::uint64_t> groups_;
};

}  // namespace cafe::bus::engine
