// The envelope every event on the bus travels in (API.md, "Events"):
//
//   {"event_id": "0192f0c5-…", "type": "OrderPlaced", "occurred_at": "2026-11-25T08:50:01.123Z",
//    "source": "order", "partition_key": "ord_…", "version": 3,
//    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "data": {…}}
//
// Producers build one with make_event() and hand it to the outbox; the
// relay publishes to_json() as the message body, keyed by event_id (what
// consumers deduplicate on, through the inbox) and, on streams, by
// partition_key. `version` rises per partition key (per order), so a
// consumer that sees an older version than it has applied drops it.
//
// parse_event() is strict, like request bodies (DESIGN §3): an unknown
// field, a field of the wrong type or format, a missing field or a body
// over kMaxEventBytes is kInvalidArgument naming the field. A consumer
// that gets one has a poison message, not a store outage.
#pragma once

#include "platform/bus/bus.h"
#include "platform/core/error.h"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cafe::bus {

// A serialised envelope must fit in one bus message.
inline constexpr std::size_t kMaxEventBytes = kMaxBodyBytes;
// Nesting of `data` a consumer has to walk: an order with lines with
// modifiers is five levels deep; 32 leaves room without inviting abuse.
inline constexpr std::size_t kMaxEventDepth = 32;

struct Event {
  std::string event_id;       // UUIDv7 (platform/core/ids.h) or ULID: unique, time-ordered
  std::string type;           // PascalCase: "OrderPlaced"
  std::string occurred_at;    // RFC 3339 UTC
  std::string source;         // the service that emitted it: "order"
  std::string partition_key;  // the order or store id; orders streams key by order_id
  std::int64_t version = 0;   // rising per partition key; 0 and up
  std::string trace_id;       // W3C trace-id: 32 lower-case hex digits, not all zero
  boost::json::value data;    // always an object

  friend bool operator==(const Event&, const Event&) = default;
};

struct EventFields {
  std::string type;
  std::string source;
  std::string partition_key;
  std::int64_t version = 0;
  boost::json::object data;
  std::string trace_id;  // empty: a new trace (work that no request started)
};

// An event with a fresh UUIDv7 id, occurred at `now`.
Event make_event(EventFields fields,
                 std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The checks parse_event() makes, on an event about to be stored or sent:
// kInvalidArgument naming the first bad field (size included).
Result<void> validate(const Event& event);

// Compact JSON, fields in envelope order.
std::string to_json(const Event& event);
// validate() and to_json() at once (the outbox's path: serialised once).
Result<std::string> to_valid_json(const Event& event);

Result<Event> parse_event(std::string_view text);

// Format checks shared with the outbox and the fuzz target.
bool is_event_id(std::string_view id) noexcept;      // canonical lower-case UUID, or a ULID
bool is_event_type(std::string_view type) noexcept;  // [A-Z][A-Za-z0-9]{0,63}
bool is_source(std::string_view source) noexcept;    // [a-z][a-z0-9-]{0,31}
bool is_trace_id(std::string_view trace_id) noexcept;

}  // namespace cafe::bus
