#include "services/bus/engine/stream_state.h"

#include <algorithm>

namespace cafe::bus::engine {

void StreamState::restore(StreamRecord record) {
  next_offset_ = std::max(next_offset_, record.offset + 1);
  last_appended_at_ms_ = std::max(last_appended_at_ms_, record.appended_at_ms);
  bytes_ += charge(record);
  records_.push_back(std::move(record));
}

std::vector<StreamRecord> StreamState::reserve(std::vector<StreamEntry> entries, std::int64_t now_ms,
                                               std::uint64_t floor) {
  last_appended_at_ms_ = std::max(last_appended_at_ms_, now_ms);
  next_offset_ = std::max(next_offset_, floor);
  std::vector<StreamRecord> out;
  out.reserve(entries.size());
  const std::uint64_t first = next_offset_;
  for (auto& e : entries) {
    out.push_back(StreamRecord{next_offset_++, std::move(e.partition_key), std::move(e.id), std::move(e.body),
                               last_appended_at_ms_});
  }
  if (!out.empty()) pending_.emplace(first, Pending{next_offset_ - 1, false, {}});
  return out;
}

bool StreamState::complete(std::uint64_t first, std::optional<std::vector<StreamRecord>> records) {
  auto it = pending_.find(first);
  if (it == pending_.end()) return false;
  it->second.done = true;
  if (records) it->second.records = std::move(*records);
  bool added = false;
  while (!pending_.empty() && pending_.begin()->second.done) {
    for (auto& r : pending_.begin()->second.records) {
      bytes_ += charge(r);
      records_.push_back(std::move(r));
      added = true;
    }
    pending_.erase(pending_.begin());
  }
  return added;
}

std::uint64_t StreamState::start_offset(const StreamPosition& from) const {
  switch (from.kind) {
    case StreamPosition::Kind::kOffset:
      return from.offset;
    case StreamPosition::Kind::kGroup: {
      auto c = committed(from.group);
      return c ? *c + 1 : 0;
    }
    case StreamPosition::Kind::kTime: {
      auto it = std::lower_bound(records_.begin(), records_.end(), from.time_ms,
                                 [](const StreamRecord& r, std::int64_t t) { return r.appended_at_ms < t; });
      return it == records_.end() ? next_offset_ : it->offset;
    }
  }
  return 0;
}

std::vector<StreamRecord> StreamState::read(const StreamPosition& from, std::size_t max) const {
  const std::uint64_t start = start_offset(from);
  auto it = std::lower_bound(records_.begin(), records_.end(), start,
                             [](const StreamRecord& r, std::uint64_t o) { return r.offset < o; });
  std::vector<StreamRecord> out;
  for (; it != records_.end() && out.size() < max; ++it) out.push_back(*it);
  return out;
}

bool StreamState::has_records_after(const StreamPosition& from) const {
  return !records_.empty() && records_.back().offset >= start_offset(from);
}

std::optional<std::uint64_t> StreamState::committed(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> StreamState::apply_retention(std::int64_t now_ms) {
  const std::int64_t cutoff = now_ms - options_.max_age.count();
  bool dropped = false;
  while (!records_.empty() && (records_.front().appended_at_ms < cutoff || bytes_ > options_.max_bytes)) {
    bytes_ -= charge(records_.front());
    records_.pop_front();
    dropped = true;
  }
  if (!dropped) return std::nullopt;
  return records_.empty() ? next_offset_ : records_.front().offset;
}

StreamStats StreamState::stats() const {
  StreamStats s;
  if (!records_.empty()) {
    s.first_offset = records_.front().offset;
    s.last_offset = records_.back().offset;
  }
  s.records = records_.size();
  s.bytes = bytes_;
  for (const auto& [group, offset] : groups_) s.groups.emplace_back(group, offset);
  return s;
}

}  // namespace cafe::bus::engine
