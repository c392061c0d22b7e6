// The memory cache's bookkeeping: an LRU map bounded by entry count and by
// bytes (key + value), with a TTL per entry. Not thread-safe (MemoryCache
// holds a mutex around it) and free of Asio, so it is tested on its own with
// an injected clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cafe::cache::internal {

class LruMap {
 public:
  using Clock = std::chrono::steady_clock;
  using NowFn = std::function<Clock::time_point()>;

  struct Limits {
    std::size_t max_entries = 10'000;
    std::size_t max_bytes = 64u << 20;
  };

  explicit LruMap(Limits limits, NowFn now = &Clock::now);
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;

  // The value, and marks it most recently used; nullopt on a miss. An expired
  // entry is a miss and is removed here (expiry is lazy).
  std::optional<std::string> get(std::string_view key);

  // Inserts or replaces, then evicts least recently used entries until both
  // limits hold. An entry larger than max_bytes on its own is not stored (and
  // an older value under the same key is removed): returns false.
  bool put(std::string key, std::string value, std::chrono::milliseconds ttl);

  bool erase(std::string_view key);

  // Walks every entry: O(size). Returns how many were removed.
  std::size_t erase_prefix(std::string_view prefix);

  std::size_t size() const noexcept { return index_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  struct Entry {
    std::string key;
    std::string value;
    Clock::time_point expires;
  };
  using Order = std::list<Entry>;  // front = most recently used

  void remove(Order::iterator it);
  void evict_to_fit();

  Limits limits_;
  NowFn now_;
  Order order_;
  // Keys are views of Entry::key: list nodes never move.
  std::unordered_map<std::string_view, Order::iterator> index_;
  std::size_t bytes_ = 0;
};

}  // namespace cafe::cache::internal
