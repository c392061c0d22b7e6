#include "platform/cache/internal/lru_map.h"

#include <utility>

namespace cafe::cache::internal {

LruMap::LruMap(Limits limits, NowFn now) : limits_(limits), now_(std::move(now)) {}

std::optional<std::string> LruMap::get(std::string_view key) {
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  auto it = found->second;
  if (it->expires <= now_()) {
    remove(it);
    return std::nullopt;
  }
  order_.splice(order_.begin(), order_, it);
  return it->value;
}

bool LruMap::put(std::string key, std::string value, std::chrono::milliseconds ttl) {
  erase(key);
  const std::size_t size = key.size() + value.size();
  if (size > limits_.max_bytes || limits_.max_entries == 0) return false;
  order_.push_front(Entry{std::move(key), std::move(value), now_() + ttl});
  index_.emplace(order_.front().key, order_.begin());
  bytes_ += size;
  evict_to_fit();
  return true;
}

bool LruMap::erase(std::string_view key) {
  auto found = index_.find(key);
  if (found == index_.end()) return false;
  remove(found->second);
  return true;
}

std::size_t LruMap::erase_prefix(std::string_view prefix) {
  std::size_t removed = 0;
  for (auto it = order_.begin(); it != order_.end();) {
    auto next = std::next(it);
    if (std::string_view(it->key).starts_with(prefix)) {
      remove(it);
      ++removed;
    }
    it = next;
  }
  return removed;
}

void LruMap::remove(Order::iterator it) {
  bytes_ -= it->key.size() + it->value.size();
  index_.erase(std::string_view(it->key));
  order_.erase(it);
}

void LruMap::evict_to_fit() {
  while (!order_.empty() && (index_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
    remove(std::prev(order_.end()));
  }
}

}  // namespace cafe::cache::internal
