#include "platform/bus/event.h"

#include "platform/core/ids.h"
#include "platform/core/time.h"
#include "platform/json/body.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <vector>

namespace cafe::bus {
namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool is_uuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !is_hex(id[i])) return false;
  }
  return true;
}

// Crockford base32, upper case, as ULIDs are written; the first character
// is at most '7' (48 bits of milliseconds fit in 10 characters).
bool is_ulid(std::string_view id) {
  if (id.size() != 26 || id[0] > '7') return false;
  for (char c : id) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U';
    if (!digit && !letter) return false;
  }
  return true;
}

bool is_partition_key(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// The format rules of every field but `data`, as field errors.
void check_formats(const Event& e, std::vector<FieldError>& errors) {
  if (!is_event_id(e.event_id)) errors.push_back({"event_id", "must be a lower-case UUID or a ULID"});
  if (!is_event_type(e.type))
    errors.push_back({"type", "must be 1 to 64 letters and digits starting with an upper-case letter"});
  if (!parse_rfc3339(e.occurred_at))
    errors.push_back({"occurred_at", "must be an RFC 3339 UTC timestamp (2026-11-25T08:50:01.123Z)"});
  if (!is_source(e.source))
    errors.push_back({"source", "must be 1 to 32 lower-case letters, digits or '-', starting with a letter"});
  if (!is_partition_key(e.partition_key))
    errors.push_back({"partition_key", "must be 1 to 128 visible ASCII characters"});
  if (e.version < 0) errors.push_back({"version", "must be 0 or more"});
  if (!is_trace_id(e.trace_id))
    errors.push_back({"trace_id", "must be 32 lower-case hex digits, not all zero"});
}

std::string too_large(std::size_t bytes) {
  return "event is " + std::to_string(bytes) + " bytes; the limit is " + std::to_string(kMaxEventBytes);
}

}  // namespace

bool is_event_id(std::string_view id) noexcept {
  return is_uuid(id) || is_ulid(id);
}

bool is_event_type(std::string_view type) noexcept {
  if (type.empty() || type.size() > 64 || type[0] < 'A' || type[0] > 'Z') return false;
  for (char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool is_source(std::string_view source) noexcept {
  if (source.empty() || source.size() > 32 || source[0] < 'a' || source[0] > 'z') return false;
  for (char c : source) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool is_trace_id(std::string_view trace_id) noexcept {
  return trace_id.size() == 32 && is_lower_hex(trace_id) &&
         trace_id.find_first_not_of('0') != std::string_view::npos;
}

Event make_event(EventFields fields, std::chrono::system_clock::time_point now) {
  return Event{.event_id = new_uuid_v7(),
               .type = std::move(fields.type),
               .occurred_at = to_rfc3339(now),
               .source = std::move(fields.source),
               .partition_key = std::move(fields.partition_key),
               .version = fields.version,
               .trace_id = fields.trace_id.empty() ? new_trace_id() : std::move(fields.trace_id),
               .data = std::move(fields.data)};
}

Result<std::string> to_valid_json(const Event& event) {
  std::vector<FieldError> errors;
  check_formats(event, errors);
  if (!event.data.is_object()) errors.push_back({"data", "must be an object"});
  if (auto r = json::to_result(std::move(errors), "event"); !r) return r.error();
  std::string body = to_json(event);
  if (body.size() > kMaxEventBytes) return Error::invalid(too_large(body.size()));
  return body;
}

Result<void> validate(const Event& event) {
  auto body = to_valid_json(event);
  if (!body) return body.error();
  return ok();
}

std::string to_json(const Event& event) {
  boost::json::object o;
  o.reserve(8);
  o.emplace("event_id", event.event_id);
  o.emplace("type", event.type);
  o.emplace("occurred_at", event.occurred_at);
  o.emplace("source", event.source);
  o.emplace("partition_key", event.partition_key);
  o.emplace("version", event.version);
  o.emplace("trace_id", event.trace_id);
  o.emplace("data", event.data);
  return boost::json::serialize(o);
}

Result<Event> parse_event(std::string_view text) {
  if (text.size() > kMaxEventBytes) return Error::invalid(too_large(text.size()));
  if (text.empty()) return Error::invalid("event is empty; expected a JSON object");
  auto value = json::parse(text, {.max_depth = kMaxEventDepth, .max_bytes = kMaxEventBytes});
  if (!value) return value.error();

  std::vector<FieldError> errors;
  json::ObjectReader reader(*value, "", errors);
  Event e;
  // Lengths are checked by the format rules below, which say more.
  const json::StringRule required{.required = true, .min_length = 0, .max_length = kMaxEventBytes};
  auto event_id = reader.string("event_id", required);
  auto type = reader.string("type", required);
  auto occurred_at = reader.string("occurred_at", required);
  auto source = reader.string("source", required);
  auto partition_key = reader.string("partition_key", required);
  auto version = reader.integer("version", {.required = true, .min = 0, .max = INT64_MAX});
  auto trace_id = reader.string("trace_id", required);
  reader.ignore("data");  // any object: read below
  reader.reject_unknown();
  if (const auto* object = value->if_object()) {
    const auto* data = object->if_contains("data");
    if (data == nullptr || data->is_null()) {
      errors.push_back({"data", "is required"});
    } else if (!data->is_object()) {
      errors.push_back({"data", "expected an object"});
    } else {
      e.data = *data;
    }
  }
  if (!errors.empty()) return json::to_result(std::move(errors), "event").error();

  e.event_id = std::move(*event_id);
  e.type = std::move(*type);
  e.occurred_at = std::move(*occurred_at);
  e.source = std::move(*source);
  e.partition_key = std::move(*partition_key);
  e.version = *version;
  e.trace_id = std::move(*trace_id);
  check_formats(e, errors);
  if (!errors.empty()) return json::to_result(std::move(errors), "event").error();
  return e;
}

}  // namespace cafe::bus
