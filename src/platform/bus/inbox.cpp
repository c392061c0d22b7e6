#include "platform/bus/inbox.h"

#include "platform/bus/internal/wall_clock.h"

#include <string>
#include <vector>

namespace cafe::bus {

using sql::Value;

namespace {

constexpr std::size_t kMaxConsumerBytes = 64;
constexpr std::size_t kMaxIdBytes = 128;

Result<void> check(std::string_view what, std::string_view value, std::size_t max) {
  if (value.empty() || value.size() > max)
    return Error::invalid("inbox " + std::string(what) + " must be 1 to " + std::to_string(max) + " bytes");
  return ok();
}

}  // namespace

const char* to_string(Admission admission) noexcept {
  switch (admission) {
    case Admission::kApply:
      return "apply";
    case Admission::kDuplicate:
      return "duplicate";
    case Admission::kStale:
      return "stale";
  }
  return "unknown";
}

Result<bool> Inbox::record(sql::Transaction& tx, std::string_view consumer, std::string_view event_id) const {
  if (auto r = check("consumer", consumer, kMaxConsumerBytes); !r) return r.error();
  if (auto r = check("event id", event_id, kMaxIdBytes); !r) return r.error();
  const std::vector<Value> params{std::string(consumer), std::string(event_id),
                                  internal::wall_now_ms(clock_)};
  auto r = tx.execute(
      "INSERT INTO inbox_events (consumer, event_id, received_at_ms) VALUES (?, ?, ?) "
      "ON CONFLICT (consumer, event_id) DO NOTHING",
      params);
  if (!r) return r.error();
  return r->affected == 1;
}

Result<bool> Inbox::advance(sql::Transaction& tx, std::string_view consumer, std::string_view partition_key,
                            std::int64_t version) const {
  if (auto r = check("consumer", consumer, kMaxConsumerBytes); !r) return r.error();
  if (auto r = check("partition key", partition_key, kMaxIdBytes); !r) return r.error();
  const std::vector<Value> params{std::string(consumer), std::string(partition_key), version,
                                  internal::wall_now_ms(clock_)};
  // The update applies only when the version rises, so "changed a row"
  // means "newer".
  auto r = tx.execute(
      "INSERT INTO inbox_versions (consumer, partition_key, version, updated_at_ms) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (consumer, partition_key) DO UPDATE SET version = excluded.version, "
      "updated_at_ms = excluded.updated_at_ms WHERE inbox_versions.version < excluded.version",
      params);
  if (!r) return r.error();
  return r->affected == 1;
}

Result<Admission> Inbox::admit(sql::Transaction& tx, std::string_view consumer, const Event& event) const {
  auto first = record(tx, consumer, event.event_id);
  if (!first) return first.error();
  if (!*first) return Admission::kDuplicate;
  auto newer = advance(tx, consumer, event.partition_key, event.version);
  if (!newer) return newer.error();
  return *newer ? Admission::kApply : Admission::kStale;
}

}  // namespace cafe::bus
