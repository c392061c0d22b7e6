#include "platform/bus/wire.h"

#include "platform/json/body.h"
#include "platform/telemetry/json_escape.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cafe::bus::wire {

namespace bj = boost::json;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t kMaxOffset = INT64_MAX;
const json::StringRule kIdRule{.required = true, .min_length = 1, .max_length = 128};
const json::StringRule kBodyRule{.required = true, .min_length = 0, .max_length = kMaxBodyBytes};

// Parses `body` as one JSON object and hands it to `read`; collects every
// field error into one kInvalidArgument.
template <class T, class Read>
Result<T> read_object(std::string_view body, std::string_view what, Read read) {
  auto parsed = json::parse(body, {.max_depth = 8, .max_bytes = kMaxRequestBytes});
  if (!parsed) return parsed.error();
  std::vector<FieldError> errors;
  json::ObjectReader reader(*parsed, "", errors);
  T out = read(reader, errors);
  reader.reject_unknown();
  if (auto ok = json::to_result(std::move(errors), what); !ok) return ok.error();
  return out;
}

std::string write(const bj::object& o) {
  return bj::serialize(o);
}

std::int64_t ms(milliseconds d) {
  return d.count();
}

// The hot paths (batches of message bodies) are written straight into one
// string: building a JSON DOM first costs an allocation per field.
void field(std::string& out, std::string_view key, std::string_view text) {
  out += '"';
  out += key;
  out += "\":";
  telemetry::append_json_string(out, text);
}
void field(std::string& out, std::string_view key, std::int64_t n) {
  out += '"';
  out += key;
  out += "\":";
  out += std::to_string(n);
}
std::size_t bodies_size(const auto& items) {
  std::size_t n = 32;
  for (const auto& i : items) n += i.body.size() + i.id.size() + 96;
  return n;
}

void read_message(const bj::value& v, const std::string& path, std::vector<FieldError>& errors,
                  std::vector<QueueMessage>& out) {
  json::ObjectReader r(v, path, errors);
  QueueMessage m;
  m.id = r.string("id", kIdRule).value_or("");
  m.receipt = r.string("receipt", {.required = false, .min_length = 0, .max_length = 128}).value_or("");
  m.body = r.string("body", kBodyRule).value_or("");
  m.receive_count = static_cast<std::uint32_t>(
      r.integer("receive_count", {.required = true, .min = 0, .max = 1'000'000}).value_or(0));
  m.sent_at_ms = r.integer("sent_at_ms", {.required = true, .min = 0}).value_or(0);
  r.reject_unknown();
  out.push_back(std::move(m));
}

}  // namespace

std::string write_messages(const std::vector<OutgoingMessage>& messages) {
  std::string out;
  out.reserve(bodies_size(messages));
  out += "{\"messages\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    out += i ? ",{" : "{";
    field(out, "id", m.id);
    out += ',';
    field(out, "body", m.body);
    if (m.delay.count() != 0) {
      out += ',';
      field(out, "delay_ms", ms(m.delay));
    }
    out += '}';
  }
  out += "]}";
  return out;
}

Result<std::vector<OutgoingMessage>> read_messages(std::string_view body) {
  return read_object<std::vector<OutgoingMessage>>(
      body, "messages", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<OutgoingMessage> out;
        r.array("messages", 1, kMaxBatch, true, [&](const bj::value& v, std::string path) {
          json::ObjectReader m(v, std::move(path), errors);
          OutgoingMessage msg;
          msg.id = m.string("id", kIdRule).value_or("");
          msg.body = m.string("body", kBodyRule).value_or("");
          msg.delay =
              milliseconds(m.integer("delay_ms", {.required = false, .min = 0, .max = 900'000}).value_or(0));
          m.reject_unknown();
          out.push_back(std::move(msg));
        });
        return out;
      });
}

std::string write_receive(const ReceiveOptions& options) {
  bj::object o{{"max_messages", options.max_messages}, {"wait_ms", ms(options.wait)}};
  if (options.visibility) o["visibility_ms"] = ms(*options.visibility);
  return write(o);
}

Result<ReceiveOptions> read_receive(std::string_view body) {
  return read_object<ReceiveOptions>(body, "receive", [](json::ObjectReader& r, std::vector<FieldError>&) {
    ReceiveOptions o;
    o.max_messages = static_cast<std::size_t>(
        r.integer("max_messages", {.required = false, .min = 1, .max = kMaxBatch}).value_or(10));
    o.wait = milliseconds(r.integer("wait_ms", {.required = false, .min = 0, .max = 20'000}).value_or(0));
    if (auto v = r.integer("visibility_ms", {.required = false, .min = 1, .max = 43'200'000}))
      o.visibility = milliseconds(*v);
    return o;
  });
}

std::string write_deliveries(const std::vector<QueueMessage>& messages) {
  std::string out;
  out.reserve(bodies_size(messages));
  out += "{\"messages\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    out += i ? ",{" : "{";
    field(out, "id", m.id);
    out += ',';
    field(out, "body", m.body);
    out += ',';
    field(out, "receive_count", m.receive_count);
    out += ',';
    field(out, "sent_at_ms", m.sent_at_ms);
    if (!m.receipt.empty()) {
      out += ',';
      field(out, "receipt", m.receipt);
    }
    out += '}';
  }
  out += "]}";
  return out;
}

Result<std::vector<QueueMessage>> read_deliveries(std::string_view body) {
  return read_object<std::vector<QueueMessage>>(
      body, "messages", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<QueueMessage> out;
        r.array("messages", 0, kMaxBatch, true,
                [&](const bj::value& v, const std::string& path) { read_message(v, path, errors, out); });
        return out;
      });
}

std::string write_receipts(ReceiptsKind kind, const ReceiptsCall& call) {
  bj::array arr;
  for (const auto& r : call.receipts) arr.emplace_back(r);
  bj::object o{{"receipts", std::move(arr)}};
  if (kind == ReceiptsKind::kNack) o["delay_ms"] = ms(call.delay);
  if (kind == ReceiptsKind::kExtend) o["visibility_ms"] = ms(call.visibility);
  return write(o);
}

Result<ReceiptsCall> read_receipts(ReceiptsKind kind, std::string_view body) {
  return read_object<ReceiptsCall>(body, "receipts", [kind](json::ObjectReader& r, std::vector<FieldError>&) {
    ReceiptsCall c;
    c.receipts = r.string_array("receipts", kMaxBatch, kIdRule).value_or(std::vector<std::string>{});
    if (kind == ReceiptsKind::kNack)
      c.delay =
          milliseconds(r.integer("delay_ms", {.required = false, .min = 0, .max = 900'000}).value_or(0));
    if (kind == ReceiptsKind::kExtend)
      c.visibility = milliseconds(
          r.integer("visibility_ms", {.required = true, .min = 1, .max = 43'200'000}).value_or(1));
    return c;
  });
}

std::string write_queue_options(const QueueOptions& o) {
  return write({{"visibility_ms", ms(o.visibility)},
                {"max_receives", o.max_receives},
                {"max_messages", o.max_messages},
                {"max_bytes", o.max_bytes},
                {"dead_letter_retention_hours", o.dead_letter_retention.count()}});
}

Result<QueueOptions> read_queue_options(std::string_view body) {
  return read_object<QueueOptions>(body, "queue", [](json::ObjectReader& r, std::vector<FieldError>&) {
    QueueOptions o;
    if (auto v = r.integer("visibility_ms", {.min = 1, .max = 43'200'000})) o.visibility = milliseconds(*v);
    if (auto v = r.integer("max_receives", {.min = 1, .max = 1000}))
      o.max_receives = static_cast<std::uint32_t>(*v);
    if (auto v = r.integer("max_messages", {.min = 1, .max = 10'000'000}))
      o.max_messages = static_cast<std::size_t>(*v);
    if (auto v = r.integer("max_bytes", {.min = 1, .max = std::int64_t{16} << 30}))
      o.max_bytes = static_cast<std::size_t>(*v);
    if (auto v = r.integer("dead_letter_retention_hours", {.min = 1, .max = std::int64_t{24} * 365}))
      o.dead_letter_retention = std::chrono::hours(*v);
    return o;
  });
}

std::string write_stream_options(const StreamOptions& o) {
  return write({{"max_age_ms", ms(o.max_age)}, {"max_bytes", o.max_bytes}});
}

Result<StreamOptions> read_stream_options(std::string_view body) {
  return read_object<StreamOptions>(body, "stream", [](json::ObjectReader& r, std::vector<FieldError>&) {
    StreamOptions o;
    if (auto v = r.integer("max_age_ms", {.min = 1, .max = std::int64_t{365} * 24 * 3600 * 1000}))
      o.max_age = milliseconds(*v);
    if (auto v = r.integer("max_bytes", {.min = 1, .max = std::int64_t{16} << 30}))
      o.max_bytes = static_cast<std::size_t>(*v);
    return o;
  });
}

std::string write_entries(const std::vector<StreamEntry>& entries) {
  std::string out;
  out.reserve(bodies_size(entries));
  out += "{\"records\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    out += i ? ",{" : "{";
    field(out, "partition_key", e.partition_key);
    out += ',';
    field(out, "id", e.id);
    out += ',';
    field(out, "body", e.body);
    out += '}';
  }
  out += "]}";
  return out;
}

Result<std::vector<StreamEntry>> read_entries(std::string_view body) {
  return read_object<std::vector<StreamEntry>>(
      body, "records", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<StreamEntry> out;
        r.array("records", 1, kMaxBatch, true, [&](const bj::value& v, std::string path) {
          json::ObjectReader e(v, std::move(path), errors);
          StreamEntry entry;
          entry.partition_key =
              e.string("partition_key", {.required = true, .min_length = 1, .max_length = 256}).value_or("");
          entry.id = e.string("id", kIdRule).value_or("");
          entry.body = e.string("body", kBodyRule).value_or("");
          e.reject_unknown();
          out.push_back(std::move(entry));
        });
        return out;
      });
}

std::string write_offsets(const std::vector<std::uint64_t>& offsets) {
  bj::array arr;
  for (auto o : offsets) arr.emplace_back(o);
  return write({{"offsets", std::move(arr)}});
}

Result<std::vector<std::uint64_t>> read_offsets(std::string_view body) {
  return read_object<std::vector<std::uint64_t>>(
      body, "offsets", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<std::uint64_t> out;
        r.array("offsets", 0, kMaxBatch, true, [&](const bj::value& v, std::string path) {
          auto n = v.if_int64();
          if (n && *n >= 0) {
            out.push_back(static_cast<std::uint64_t>(*n));
          } else if (auto u = v.if_uint64()) {
            out.push_back(*u);
          } else {
            errors.push_back({std::move(path), "must be a non-negative integer"});
          }
        });
        return out;
      });
}

std::string write_read(const StreamPosition& from, const ReadOptions& options) {
  bj::object position;
  switch (from.kind) {
    case StreamPosition::Kind::kOffset:
      position["offset"] = from.offset;
      break;
    case StreamPosition::Kind::kTime:
      position["time_ms"] = from.time_ms;
      break;
    case StreamPosition::Kind::kGroup:
      position["group"] = from.group;
      break;
  }
  return write(
      {{"from", std::move(position)}, {"max_records", options.max_records}, {"wait_ms", ms(options.wait)}});
}

Result<ReadCall> read_read(std::string_view body) {
  return read_object<ReadCall>(body, "read", [](json::ObjectReader& r, std::vector<FieldError>&) {
    ReadCall c;
    r.object("from", true, [&](json::ObjectReader& from) {
      const int given = from.present("offset") + from.present("time_ms") + from.present("group");
      if (given != 1) {
        from.add_error("offset", "give exactly one of offset, time_ms and group");
        from.ignore("time_ms");
        from.ignore("group");
        return;
      }
      if (auto o = from.integer("offset", {.min = 0, .max = kMaxOffset}))
        c.from = StreamPosition::at_offset(static_cast<std::uint64_t>(*o));
      if (auto t = from.integer("time_ms", {.min = 0})) c.from = StreamPosition::at_time(*t);
      if (auto g = from.string("group", {.min_length = 1, .max_length = 64}))
        c.from = StreamPosition::after_group(*g);
      from.reject_unknown();
    });
    c.options.max_records =
        static_cast<std::size_t>(r.integer("max_records", {.min = 1, .max = kMaxBatch}).value_or(100));
    c.options.wait = milliseconds(r.integer("wait_ms", {.min = 0, .max = 20'000}).value_or(0));
    return c;
  });
}

std::string write_records(const std::vector<StreamRecord>& records) {
  std::string out;
  out.reserve(bodies_size(records));
  out += "{\"records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    out += i ? ",{" : "{";
    field(out, "offset", static_cast<std::int64_t>(r.offset));
    out += ',';
    field(out, "partition_key", r.partition_key);
    out += ',';
    field(out, "id", r.id);
    out += ',';
    field(out, "body", r.body);
    out += ',';
    field(out, "appended_at_ms", r.appended_at_ms);
    out += '}';
  }
  out += "]}";
  return out;
}

Result<std::vector<StreamRecord>> read_records(std::string_view body) {
  return read_object<std::vector<StreamRecord>>(
      body, "records", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<StreamRecord> out;
        r.array("records", 0, kMaxBatch, true, [&](const bj::value& v, std::string path) {
          json::ObjectReader e(v, std::move(path), errors);
          StreamRecord rec;
          rec.offset =
              static_cast<std::uint64_t>(e.integer("offset", {.required = true, .min = 1}).value_or(0));
          rec.partition_key =
              e.string("partition_key", {.required = true, .min_length = 1, .max_length = 256}).value_or("");
          rec.id = e.string("id", kIdRule).value_or("");
          rec.body = e.string("body", kBodyRule).value_or("");
          rec.appended_at_ms = e.integer("appended_at_ms", {.required = true, .min = 0}).value_or(0);
          e.reject_unknown();
          out.push_back(std::move(rec));
        });
        return out;
      });
}

std::string write_offset(std::optional<std::uint64_t> offset) {
  bj::object o;
  if (offset)
    o["offset"] = *offset;
  else
    o["offset"] = nullptr;
  return write(o);
}

Result<std::optional<std::uint64_t>> read_offset(std::string_view body, bool allow_null) {
  auto parsed = json::parse(body, {.max_depth = 4, .max_bytes = 4096});
  if (!parsed) return parsed.error();
  const auto* o = parsed->if_object();
  const bj::value* v = o ? o->if_contains("offset") : nullptr;
  if (!o || !v || o->size() != 1)
    return Error::invalid("the body must be {\"offset\": n}", {{"offset", "is required"}});
  if (v->is_null() && allow_null) return std::optional<std::uint64_t>{};
  if (auto n = v->if_int64(); n && *n >= 0)
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(*n));
  if (auto u = v->if_uint64(); u && *u <= static_cast<std::uint64_t>(kMaxOffset))
    return std::optional<std::uint64_t>(*u);
  return Error::invalid("offset must be a non-negative integer",
                        {{"offset", "must be a non-negative integer"}});
}

std::string write_count(std::string_view field, std::size_t n) {
  bj::object o;
  o[field] = n;
  return write(o);
}

Result<std::size_t> read_count(std::string_view field, std::string_view body) {
  return read_object<std::size_t>(body, field, [field](json::ObjectReader& r, std::vector<FieldError>&) {
    return static_cast<std::size_t>(r.integer(field, {.required = true, .min = 0}).value_or(0));
  });
}

std::string write_queue_stats(const std::vector<QueueStats>& stats) {
  bj::array arr;
  for (const auto& s : stats)
    arr.push_back(bj::object{{"name", s.name},
                             {"ready", s.ready},
                             {"in_flight", s.in_flight},
                             {"dead", s.dead},
                             {"oldest_age_ms", s.oldest_age_ms}});
  return write({{"queues", std::move(arr)}});
}

Result<std::vector<QueueStats>> read_queue_stats(std::string_view body) {
  return read_object<std::vector<QueueStats>>(
      body, "queues", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<QueueStats> out;
        r.array("queues", 0, 100'000, true, [&](const bj::value& v, std::string path) {
          json::ObjectReader q(v, std::move(path), errors);
          QueueStats s;
          s.name = q.string("name", {.required = true, .min_length = 1, .max_length = 64}).value_or("");
          s.ready = static_cast<std::size_t>(q.integer("ready", {.required = true, .min = 0}).value_or(0));
          s.in_flight =
              static_cast<std::size_t>(q.integer("in_flight", {.required = true, .min = 0}).value_or(0));
          s.dead = static_cast<std::size_t>(q.integer("dead", {.required = true, .min = 0}).value_or(0));
          s.oldest_age_ms = q.integer("oldest_age_ms", {.required = true, .min = 0}).value_or(0);
          q.reject_unknown();
          out.push_back(std::move(s));
        });
        return out;
      });
}

std::string write_stream_stats(const std::vector<StreamStats>& stats) {
  bj::array arr;
  for (const auto& s : stats) {
    bj::object groups;
    for (const auto& [g, o] : s.groups) groups[g] = o;
    arr.push_back(bj::object{{"name", s.name},
                             {"first_offset", s.first_offset},
                             {"last_offset", s.last_offset},
                             {"records", s.records},
                             {"bytes", s.bytes},
                             {"groups", std::move(groups)}});
  }
  return write({{"streams", std::move(arr)}});
}

Result<std::vector<StreamStats>> read_stream_stats(std::string_view body) {
  return read_object<std::vector<StreamStats>>(
      body, "streams", [](json::ObjectReader& r, std::vector<FieldError>& errors) {
        std::vector<StreamStats> out;
        r.array("streams", 0, 100'000, true, [&](const bj::value& v, const std::string& path) {
          json::ObjectReader q(v, path, errors);
          StreamStats s;
          s.name = q.string("name", {.required = true, .min_length = 1, .max_length = 64}).value_or("");
          s.first_offset =
              static_cast<std::uint64_t>(q.integer("first_offset", {.required = true, .min = 0}).value_or(0));
          s.last_offset =
              static_cast<std::uint64_t>(q.integer("last_offset", {.required = true, .min = 0}).value_or(0));
          s.records =
              static_cast<std::size_t>(q.integer("records", {.required = true, .min = 0}).value_or(0));
          s.bytes = static_cast<std::size_t>(q.integer("bytes", {.required = true, .min = 0}).value_or(0));
          if (const auto* obj = v.if_object(); obj && obj->contains("groups")) {
            if (const auto* groups = obj->at("groups").if_object()) {
              for (const auto& [g, o] : *groups) {
                if (auto n = o.if_int64(); n && *n >= 0)
                  s.groups.emplace_back(std::string(g), static_cast<std::uint64_t>(*n));
                else
                  errors.push_back({path + ".groups." + std::string(g), "must be a non-negative integer"});
              }
            } else {
              errors.push_back({path + ".groups", "must be an object"});
            }
          }
          q.ignore("groups");
          q.reject_unknown();
          out.push_back(std::move(s));
        });
        return out;
      });
}

}  // namespace cafe::bus::wire
