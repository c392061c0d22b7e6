#include "platform/bus/internal/nats_streams.h"

#include "platform/bus/internal/nats_jetstream.h"
#include "platform/bus/internal/nats_message.h"
#include "platform/bus/internal/nats_names.h"

#include <algorithm>
#include <charconv>

namespace cafe::bus::internal {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::nanoseconds kDedupeWindow = 2min;

std::optional<std::uint64_t> parse_offset(const std::string& text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A failed write to a stream that may not exist: kNotFound when it does
// not, the failure itself otherwise.
Error not_found_or(NatsLink& link, const std::string& stream, Error failure, Deadline deadline) {
  if (failure.code != ErrorCode::kUnavailable) return failure;
  auto info = stream_info(link, stream, deadline);
  if (!info && info.error().code == ErrorCode::kNotFound) return info.error();
  return failure;
}

}  // namespace

Result<void> declare_event_stream(NatsLink& link, const std::string& stream, const StreamOptions& options,
                                  Deadline deadline) {
  const std::string name = event_stream(stream);
  const std::string subject = event_subject(stream);
  const char* subjects[] = {subject.c_str()};
  const auto max_age = std::chrono::duration_cast<std::chrono::nanoseconds>(options.max_age);
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = name.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Retention = js_LimitsPolicy;
  config.Discard = js_DiscardOld;
  config.Storage = js_FileStorage;
  config.MaxAge = max_age.count();
  config.MaxBytes = static_cast<std::int64_t>(std::min<std::size_t>(options.max_bytes, INT64_MAX));
  config.Duplicates = std::min(kDedupeWindow, max_age).count();
  config.AllowDirect = true;  // read from a time: sequence_at_time
  if (auto r = put_stream(link, config, deadline); !r) return r;

  // The groups' bucket, through a JetStream context whose requests wait
  // no longer than this call may.
  jsOptions o = api_options(deadline);
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, link.connection(), &o);
  if (s != NATS_OK) return nats_error(s, 0, "make a JetStream context", deadline);
  const std::string bucket = groups_bucket(stream);
  kvConfig kv;
  kvConfig_Init(&kv);
  kv.Bucket = bucket.c_str();
  kv.History = 1;
  kv.StorageType = js_FileStorage;
  kvStore* store = nullptr;
  s = js_CreateKeyValue(&store, js, &kv);
  KvStorePtr owned(store);
  jsCtx_Destroy(js);
  if (s != NATS_OK) return nats_error(s, 0, "create the groups bucket " + bucket, deadline);
  return ok();
}

Result<std::vector<std::uint64_t>> append_entries(NatsLink& link, const std::string& stream,
                                                  const std::vector<StreamEntry>& entries,
                                                  Deadline deadline) {
  const std::string name = event_stream(stream);
  auto info = stream_info(link, name, deadline);
  if (!info) return info.error();
  const std::string subject = event_subject(stream);
  std::vector<std::uint64_t> offsets;
  offsets.reserve(entries.size());
  for (const auto& e : entries) {
    Outgoing out{.subject = subject, .body = e.body, .msg_id = e.id, .headers = {{kIdHeader, e.id}}};
    if (!e.partition_key.empty()) out.headers.emplace_back(kKeyHeader, e.partition_key);
    auto stored = publish(link, out, deadline);
    if (!stored) return stored.error();
    offsets.push_back(stored->sequence);
  }
  return offsets;
}

Result<std::vector<StreamRecord>> read_records(NatsLink& link, const std::string& stream,
                                               const StreamPosition& from, const ReadOptions& options,
                                               Deadline deadline) {
  const std::string name = event_stream(stream);
  std::uint64_t first = 0;
  switch (from.kind) {
    case StreamPosition::Kind::kOffset:
      first = from.offset;
      break;
    case StreamPosition::Kind::kTime: {
      auto found = sequence_at_time(link, name, event_subject(stream),
                                    std::max<std::int64_t>(0, from.time_ms), deadline);
      if (!found) return found.error();
      first = *found;
      break;
    }
    case StreamPosition::Kind::kGroup: {
      auto committed = committed_offset(link, stream, from.group, deadline);
      if (!committed) return committed.error();
      if (*committed) first = **committed + 1;
      break;
    }
  }
  auto deliveries =
      read_stream(link, name, first, static_cast<int>(options.max_records), options.wait, deadline);
  if (!deliveries) return deliveries.error();
  std::vector<StreamRecord> records;
  records.reserve(deliveries->size());
  for (auto& d : *deliveries) {
    records.push_back(StreamRecord{.offset = d.sequence,
                                   .partition_key = std::move(d.key),
                                   .id = std::move(d.id),
                                   .body = std::move(d.body),
                                   .appended_at_ms = d.stored_at_ms});
  }
  return records;
}

Result<void> commit_offset(NatsLink& link, const std::string& stream, const std::string& group,
                           std::uint64_t offset, Deadline deadline) {
  const std::string value = std::to_string(offset);
  Outgoing out{.subject = group_subject(stream, group), .body = value, .msg_id = {}, .headers = {}};
  if (auto stored = publish(link, out, deadline); !stored) {
    return not_found_or(link, groups_kv_stream(stream), stored.error(), deadline);
  }
  return ok();
}

Result<std::optional<std::uint64_t>> committed_offset(NatsLink& link, const std::string& stream,
                                                      const std::string& group, Deadline deadline) {
  auto value = last_value(link, groups_kv_stream(stream), group_subject(stream, group), deadline);
  if (!value) return value.error();
  if (!*value) return std::optional<std::uint64_t>();
  auto offset = parse_offset(**value);
  if (!offset) return Error::internal("nats: a committed offset that is not a number");
  return offset;
}

Result<std::vector<StreamStats>> event_stream_stats(NatsLink& link, Deadline deadline) {
  auto names = stream_names(link, kStreamPrefix, deadline);
  if (!names) return names.error();
  std::vector<StreamStats> all;
  all.reserve(names->size());
  for (const auto& name : *names) {
    const std::string stream = name.substr(kStreamPrefix.size());
    auto info = stream_info(link, name, deadline);
    if (!info && info.error().code == ErrorCode::kNotFound) continue;  // gone meanwhile
    if (!info) return info.error();
    const auto& state = (*info)->State;
    StreamStats s;
    s.name = stream;
    s.records = static_cast<std::size_t>(state.Msgs);
    s.bytes = static_cast<std::size_t>(state.Bytes);
    s.first_offset = state.Msgs == 0 ? 0 : state.FirstSeq;
    s.last_offset = state.Msgs == 0 ? 0 : state.LastSeq;
    const std::string filter = group_subjects(stream);
    auto groups = stream_info(link, groups_kv_stream(stream), deadline, filter.c_str());
    if (!groups) return groups.error();
    if (const auto* subjects = (*groups)->State.Subjects) {
      const std::size_t prefix = filter.size() - 1;  // "$KV.<bucket>."
      for (int i = 0; i < subjects->Count; ++i) {
        const std::string subject = subjects->List[i].Subject;
        const std::string group = subject.substr(std::min(prefix, subject.size()));
        auto committed = committed_offset(link, stream, group, deadline);
        if (!committed) return committed.error();
        if (*committed) s.groups.emplace_back(group, **committed);
      }
    }
    std::sort(s.groups.begin(), s.groups.end());
    all.push_back(std::move(s));
  }
  return all;
}

}  // namespace cafe::bus::internal
