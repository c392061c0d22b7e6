#include "platform/bus/internal/arguments.h"

#include <algorithm>

namespace cafe::bus::internal {
namespace {

Error bad(std::string_view field, std::string message) {
  return Error::invalid("invalid " + std::string(field), {{std::string(field), std::move(message)}});
}

bool printable(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<void> check_text(std::string_view field, std::string_view text, bool may_be_empty) {
  if (text.empty() && !may_be_empty) return bad(field, "must not be empty");
  if (text.size() > kMaxIdBytes) return bad(field, "at most " + std::to_string(kMaxIdBytes) + " bytes");
  if (!printable(text)) return bad(field, "no control characters");
  return ok();
}

Result<void> check_batch(std::string_view field, std::size_t n) {
  if (n == 0) return bad(field, "at least one");
  if (n > kMaxBatch) return bad(field, "at most " + std::to_string(kMaxBatch) + " per call");
  return ok();
}

Result<void> check_body(std::string_view field, std::string_view body) {
  if (body.size() > kMaxBodyBytes) return bad(field, "at most " + std::to_string(kMaxBodyBytes) + " bytes");
  return ok();
}

}  // namespace

Result<void> check_name(std::string_view field, std::string_view name) {
  if (!valid_name(name)) return bad(field, "[a-z0-9][a-z0-9_-]{0,63}");
  return ok();
}

Result<void> check_duration(std::string_view field, std::chrono::milliseconds value) {
  if (value.count() < 0) return bad(field, "must not be negative");
  return ok();
}

Result<void> check_queue_options(const QueueOptions& o) {
  if (o.visibility.count() <= 0) return bad("visibility", "must be positive");
  if (o.max_receives == 0) return bad("max_receives", "at least 1");
  if (o.max_messages == 0) return bad("max_messages", "at least 1");
  if (o.max_bytes == 0) return bad("max_bytes", "at least 1");
  if (o.dead_letter_retention.count() <= 0) return bad("dead_letter_retention", "must be positive");
  return ok();
}

Result<void> check_stream_options(const StreamOptions& o) {
  if (o.max_age.count() <= 0) return bad("max_age", "must be positive");
  if (o.max_bytes == 0) return bad("max_bytes", "at least 1");
  return ok();
}

Result<void> check_messages(const std::vector<OutgoingMessage>& messages) {
  if (auto r = check_batch("messages", messages.size()); !r) return r;
  for (const auto& m : messages) {
    if (auto r = check_text("id", m.id, false); !r) return r;
    if (auto r = check_body("body", m.body); !r) return r;
    if (auto r = check_duration("delay", m.delay); !r) return r;
  }
  return ok();
}

Result<void> check_entries(const std::vector<StreamEntry>& entries) {
  if (auto r = check_batch("entries", entries.size()); !r) return r;
  for (const auto& e : entries) {
    if (auto r = check_text("id", e.id, false); !r) return r;
    if (auto r = check_text("partition_key", e.partition_key, true); !r) return r;
    if (auto r = check_body("body", e.body); !r) return r;
  }
  return ok();
}

Result<void> check_receive(const ReceiveOptions& o) {
  if (auto r = check_batch("max_messages", o.max_messages); !r) return r;
  if (auto r = check_duration("wait", o.wait); !r) return r;
  if (o.visibility && o.visibility->count() <= 0) return bad("visibility", "must be positive");
  return ok();
}

Result<void> check_receipts(const std::vector<std::string>& receipts) {
  if (auto r = check_batch("receipts", receipts.size()); !r) return r;
  for (const auto& receipt : receipts) {
    if (auto r = check_text("receipt", receipt, false); !r) return r;
  }
  return ok();
}

Result<void> check_limit(std::size_t limit) {
  return check_batch("limit", limit);
}

Result<void> check_read(const StreamPosition& from, const ReadOptions& o) {
  if (auto r = check_batch("max_records", o.max_records); !r) return r;
  if (auto r = check_duration("wait", o.wait); !r) return r;
  if (from.kind == StreamPosition::Kind::kGroup) return check_name("group", from.group);
  return ok();
}

}  // namespace cafe::bus::internal
