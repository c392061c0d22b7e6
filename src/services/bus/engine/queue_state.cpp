#include "services/bus/engine/queue_state.h"

#include <charconv>

namespace cafe::bus::engine {

std::string make_receipt(std::int64_t seq, std::uint32_t receive_count) {
  return std::to_string(seq) + "." + std::to_string(receive_count);
}

std::optional<std::pair<std::int64_t, std::uint32_t>> parse_receipt(std::string_view receipt) {
  const auto dot = receipt.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::int64_t seq = 0;
  std::uint32_t count = 0;
  const char* begin = receipt.data();
  const char* mid = begin + dot;
  const char* end = begin + receipt.size();
  auto [p1, e1] = std::from_chars(begin, mid, seq);
  if (e1 != std::errc() || p1 != mid || seq <= 0) return std::nullopt;
  auto [p2, e2] = std::from_chars(mid + 1, end, count);
  if (e2 != std::errc() || p2 != end || count == 0) return std::nullopt;
  return std::pair{seq, count};
}

void QueueState::restore(StoredMessage message) {
  if (message.dead) {
    dead_.emplace(message.seq, std::move(message));
    return;
  }
  message.in_flight = message.receive_count > 0;
  add(std::move(message));
}

Result<void> QueueState::admit(std::size_t count, std::size_t bytes) const {
  if (live_.size() + count > options_.max_messages)
    return Error::make(ErrorCode::kResourceExhausted, "the queue is full (" + std::to_string(live_.size()) +
                                                          " of " + std::to_string(options_.max_messages) +
                                                          " messages)");
  if (live_bytes_ + bytes > options_.max_bytes)
    return Error::make(ErrorCode::kResourceExhausted, "the queue is full (" + std::to_string(live_bytes_) +
                                                          " of " + std::to_string(options_.max_bytes) +
                                                          " bytes)");
  return {};
}

void QueueState::add(StoredMessage message) {
  if (message.receive_count == 0) message.in_flight = false;
  by_time_.emplace(message.visible_at_ms, message.seq);
  live_bytes_ += message.body.size();
  live_.emplace(message.seq, std::move(message));
}

void QueueState::reschedule(StoredMessage& message, std::int64_t visible_at_ms) {
  by_time_.erase({message.visible_at_ms, message.seq});
  message.visible_at_ms = visible_at_ms;
  by_time_.emplace(visible_at_ms, message.seq);
}

ReceiveOutcome QueueState::receive(std::int64_t now_ms, std::size_t max, std::int64_t visibility_ms) {
  ReceiveOutcome out;
  while (out.delivered.size() < max && !by_time_.empty() && by_time_.begin()->first <= now_ms) {
    const std::int64_t seq = by_time_.begin()->second;
    auto it = live_.find(seq);
    StoredMessage& m = it->second;
    if (m.receive_count >= options_.max_receives) {
      // Received as often as the queue allows and still not acked: poison.
      by_time_.erase(by_time_.begin());
      live_bytes_ -= m.body.size();
      m.dead = true;
      out.dead_lettered.push_back(seq);
      dead_.emplace(seq, std::move(m));
      live_.erase(it);
      continue;
    }
    m.receive_count += 1;
    m.in_flight = true;
    reschedule(m, now_ms + visibility_ms);
    out.delivered.push_back(
        QueueMessage{m.id, make_receipt(m.seq, m.receive_count), m.body, m.receive_count, m.sent_at_ms});
    out.updated.push_back(
        StoredMessage{m.seq, {}, {}, m.sent_at_ms, m.visible_at_ms, m.receive_count, false});
  }
  return out;
}

StoredMessage* QueueState::find_delivery(std::string_view receipt) {
  auto parsed = parse_receipt(receipt);
  if (!parsed) return nullptr;
  auto it = live_.find(parsed->first);
  if (it == live_.end() || it->second.receive_count != parsed->second) return nullptr;
  return &it->second;
}

std::vector<std::int64_t> QueueState::ack(const std::vector<std::string>& receipts) {
  std::vector<std::int64_t> removed;
  for (const auto& receipt : receipts) {
    StoredMessage* m = find_delivery(receipt);
    if (!m) continue;
    const std::int64_t seq = m->seq;
    by_time_.erase({m->visible_at_ms, seq});
    live_bytes_ -= m->body.size();
    live_.erase(seq);
    removed.push_back(seq);
  }
  return removed;
}

std::vector<StoredMessage> QueueState::change_visibility(const std::vector<std::string>& receipts,
                                                         std::int64_t visible_at_ms) {
  std::vector<StoredMessage> changed;
  for (const auto& receipt : receipts) {
    StoredMessage* m = find_delivery(receipt);
    if (!m) continue;
    reschedule(*m, visible_at_ms);
    changed.push_back(
        StoredMessage{m->seq, {}, {}, m->sent_at_ms, m->visible_at_ms, m->receive_count, false});
  }
  return changed;
}

std::vector<StoredMessage> QueueState::hand_back(const std::vector<std::string>& receipts,
                                                 std::int64_t visible_at_ms) {
  std::vector<StoredMessage> changed;
  for (const auto& receipt : receipts) {
    StoredMessage* m = find_delivery(receipt);
    if (!m || !m->in_flight) continue;
    m->in_flight = false;
    reschedule(*m, visible_at_ms);
    changed.push_back(
        StoredMessage{m->seq, {}, {}, m->sent_at_ms, m->visible_at_ms, m->receive_count, false});
  }
  return changed;
}

std::vector<QueueMessage> QueueState::peek(std::size_t limit) const {
  std::vector<QueueMessage> out;
  for (const auto& [seq, m] : live_) {
    if (out.size() >= limit) break;
    out.push_back(QueueMessage{m.id, {}, m.body, m.receive_count, m.sent_at_ms});
  }
  return out;
}

std::vector<QueueMessage> QueueState::dead_letters(std::size_t limit) const {
  std::vector<QueueMessage> out;
  for (const auto& [seq, m] : dead_) {
    if (out.size() >= limit) break;
    out.push_back(QueueMessage{m.id, {}, m.body, m.receive_count, m.sent_at_ms});
  }
  return out;
}

std::vector<StoredMessage> QueueState::redrive(std::size_t limit, std::int64_t now_ms) {
  std::vector<StoredMessage> moved;
  while (moved.size() < limit && !dead_.empty()) {
    auto node = dead_.extract(dead_.begin());
    StoredMessage m = std::move(node.mapped());
    m.dead = false;
    m.receive_count = 0;
    m.visible_at_ms = now_ms;
    moved.push_back(StoredMessage{m.seq, {}, {}, m.sent_at_ms, m.visible_at_ms, 0, false});
    add(std::move(m));
  }
  return moved;
}

std::vector<std::int64_t> QueueState::expire_dead(std::int64_t cutoff_ms) {
  std::vector<std::int64_t> dropped;
  for (auto it = dead_.begin(); it != dead_.end();) {
    if (it->second.sent_at_ms < cutoff_ms) {
      dropped.push_back(it->first);
      it = dead_.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

std::size_t QueueState::purge() {
  const std::size_t n = live_.size() + dead_.size();
  live_.clear();
  by_time_.clear();
  dead_.clear();
  live_bytes_ = 0;
  return n;
}

std::optional<std::int64_t> QueueState::next_visible_at(std::int64_t now_ms) const {
  auto it = by_time_.upper_bound({now_ms, INT64_MAX});
  if (it == by_time_.end()) return std::nullopt;
  return it->first;
}

bool QueueState::has_visible(std::int64_t now_ms) const {
  return !by_time_.empty() && by_time_.begin()->first <= now_ms;
}

QueueStats QueueState::stats(std::int64_t now_ms) const {
  QueueStats s;
  std::int64_t oldest_sent = INT64_MAX;
  for (const auto& [seq, m] : live_) {
    if (m.in_flight && m.visible_at_ms > now_ms)
      ++s.in_flight;
    else
      ++s.ready;
    oldest_sent = std::min(oldest_sent, m.sent_at_ms);
  }
  s.dead = dead_.size();
  if (!live_.empty()) s.oldest_age_ms = std::max<std::int64_t>(0, now_ms - oldest_sent);
  return s;
}

}  // namespace cafe::bus::engine
