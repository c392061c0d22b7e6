#include "platform/bus/validate.h"

#include "platform/http/path.h"

namespace cafe::bus {
namespace {

Error invalid(std::string field, std::string message) {
  std::string detail = field + " " + message;
  return Error::invalid(std::move(detail), {{std::move(field), std::move(message)}});
}

Result<void> check_batch(std::string_view field, std::size_t size) {
  if (size == 0 || size > kMaxBatch)
    return invalid(std::string(field), "must hold 1 to " + std::to_string(kMaxBatch) + " entries");
  return {};
}

Result<void> check_id(const std::string& field, std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes)
    return invalid(field, "must be 1 to " + std::to_string(kMaxIdBytes) + " bytes");
  for (unsigned char c : id)
    if (c <= 0x20 || c >= 0x7f) return invalid(field, "must be printable ASCII without spaces");
  return {};
}

Result<void> check_body(const std::string& field, std::string_view body) {
  if (body.size() > kMaxBodyBytes)
    return Error::make(ErrorCode::kPayloadTooLarge, field + " is " + std::to_string(body.size()) +
                                                        " bytes; the limit is " +
                                                        std::to_string(kMaxBodyBytes));
  if (!http::is_valid_utf8(body)) return invalid(field, "must be UTF-8 text");
  return {};
}

}  // namespace

Result<void> check_name(std::string_view what, std::string_view name) {
  if (!valid_name(name)) return invalid(std::string(what), "must match [a-z0-9][a-z0-9_-]{0,63}");
  return {};
}

Result<void> check_queue_options(const QueueOptions& o) {
  if (auto v = check_visibility(o.visibility); !v) return v;
  if (o.max_receives < 1 || o.max_receives > 1000) return invalid("max_receives", "must be 1 to 1000");
  if (o.max_messages < 1 || o.max_messages > 10'000'000)
    return invalid("max_messages", "must be 1 to 10000000");
  if (o.max_bytes < kMaxBodyBytes || o.max_bytes > (std::size_t{16} << 30))
    return invalid("max_bytes", "must be 256 KiB to 16 GiB");
  if (o.dead_letter_retention < std::chrono::hours(1))
    return invalid("dead_letter_retention", "must be at least 1 h");
  return {};
}

Result<void> check_stream_options(const StreamOptions& o) {
  if (o.max_age < std::chrono::seconds(1)) return invalid("max_age", "must be at least 1 s");
  if (o.max_bytes < (std::size_t{1} << 20) || o.max_bytes > (std::size_t{16} << 30))
    return invalid("max_bytes", "must be 1 MiB to 16 GiB");
  return {};
}

Result<void> check_messages(const std::vector<OutgoingMessage>& messages) {
  if (auto b = check_batch("messages", messages.size()); !b) return b;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (auto v = check_id(at + ".id", messages[i].id); !v) return v;
    if (auto v = check_body(at + ".body", messages[i].body); !v) return v;
    if (messages[i].delay < std::chrono::milliseconds(0) || messages[i].delay > kMaxDelay)
      return invalid(at + ".delay_ms", "must be 0 to " + std::to_string(kMaxDelay.count()));
  }
  return {};
}

Result<void> check_receive(const ReceiveOptions& o) {
  if (o.max_messages < 1 || o.max_messages > kMaxBatch)
    return invalid("max_messages", "must be 1 to " + std::to_string(kMaxBatch));
  if (o.wait < std::chrono::milliseconds(0) || o.wait > kMaxWait)
    return invalid("wait_ms", "must be 0 to " + std::to_string(kMaxWait.count()));
  if (o.visibility) return check_visibility(*o.visibility);
  return {};
}

Result<void> check_receipts(const std::vector<std::string>& receipts) {
  if (auto b = check_batch("receipts", receipts.size()); !b) return b;
  for (std::size_t i = 0; i < receipts.size(); ++i)
    if (auto v = check_id("receipts[" + std::to_string(i) + "]", receipts[i]); !v) return v;
  return {};
}

Result<void> check_visibility(std::chrono::milliseconds visibility) {
  if (visibility < std::chrono::milliseconds(1) || visibility > kMaxVisibility)
    return invalid("visibility_ms", "must be 1 to " + std::to_string(kMaxVisibility.count()));
  return {};
}

Result<void> check_delay(std::chrono::milliseconds delay) {
  if (delay < std::chrono::milliseconds(0) || delay > kMaxDelay)
    return invalid("delay_ms", "must be 0 to " + std::to_string(kMaxDelay.count()));
  return {};
}

Result<void> check_entries(const std::vector<StreamEntry>& entries) {
  if (auto b = check_batch("records", entries.size()); !b) return b;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string at = "records[" + std::to_string(i) + "]";
    if (auto v = check_id(at + ".id", entries[i].id); !v) return v;
    const auto& key = entries[i].partition_key;
    if (key.empty() || key.size() > kMaxPartitionKeyBytes)
      return invalid(at + ".partition_key",
                     "must be 1 to " + std::to_string(kMaxPartitionKeyBytes) + " bytes");
    if (auto v = check_body(at + ".body", entries[i].body); !v) return v;
  }
  return {};
}

Result<void> check_read(const StreamPosition& from, const ReadOptions& o) {
  if (o.max_records < 1 || o.max_records > kMaxBatch)
    return invalid("max_records", "must be 1 to " + std::to_string(kMaxBatch));
  if (o.wait < std::chrono::milliseconds(0) || o.wait > kMaxWait)
    return invalid("wait_ms", "must be 0 to " + std::to_string(kMaxWait.count()));
  if (from.kind == StreamPosition::Kind::kGroup) return check_name("group", from.group);
  if (from.kind == StreamPosition::Kind::kTime && from.time_ms < 0)
    return invalid("time_ms", "must not be negative");
  return {};
}

}  // namespace cafe::bus
