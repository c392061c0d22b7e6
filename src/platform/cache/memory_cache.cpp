// The embedded cache: one LruMap behind one mutex. Every operation is a few
// hash lookups and list splices (plus a value copy on get), so the lock is
// held for well under a microsecond; shard only if a measurement says so.
#include "platform/cache/cache.h"
#include "platform/cache/internal/lru_map.h"
#include "platform/cache/internal/ttl.h"

#include <mutex>
#include <utility>

namespace cafe::cache {
namespace {

class MemoryCache final : public Cache {
 public:
  explicit MemoryCache(MemoryOptions options)
      : map_(internal::LruMap::Limits{.max_entries = options.max_entries, .max_bytes = options.max_bytes}) {}

  // Holds no connections; entries stay readable until the cache is destroyed.
  void close() override {}

  boost::asio::awaitable<Result<std::optional<std::string>>> get(std::string key) override {
    std::lock_guard lock(mutex_);
    co_return map_.get(key);
  }

  boost::asio::awaitable<Result<void>> set(std::string key, std::string value,
                                           std::chrono::milliseconds ttl) override {
    if (auto valid = internal::check_ttl(ttl); !valid) co_return valid;
    std::lock_guard lock(mutex_);
    // An entry too large for the whole cache is simply not kept: a later get
    // misses, as it would after an eviction.
    map_.put(std::move(key), std::move(value), ttl);
    co_return ok();
  }

  boost::asio::awaitable<Result<void>> erase(std::string key) override {
    std::lock_guard lock(mutex_);
    map_.erase(key);
    co_return ok();
  }

  boost::asio::awaitable<Result<void>> erase_prefix(std::string prefix) override {
    std::lock_guard lock(mutex_);
    map_.erase_prefix(prefix);
    co_return ok();
  }

  std::string_view backend() const noexcept override { return "memory"; }

 private:
  std::mutex mutex_;
  internal::LruMap map_;  // guarded by mutex_
};

}  // namespace

std::unique_ptr<Cache> make_memory_cache(MemoryOptions options) {
  return std::make_unique<MemoryCache>(options);
}

}  // namespace cafe::cache
