// A key/value cache with TTLs: an in-process LRU bounded by entries and
// bytes (embedded default) and Redis (real stack). One conformance suite
// (tests/integration/platform/cache/) runs against both.
//
// A cache is an optimisation: callers treat every error as a miss and carry
// on with the source of truth (DESIGN §2, "ready does not depend on an
// optional cache").
#pragma once

#include "platform/core/error.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::cache {

class Cache {
 public:
  virtual ~Cache() = default;

  // nullopt on a miss or an expired entry.
  virtual boost::asio::awaitable<Result<std::optional<std::string>>> get(std::string key) = 0;
  virtual boost::asio::awaitable<Result<void>> set(std::string key, std::string value,
                                                   std::chrono::milliseconds ttl) = 0;
  virtual boost::asio::awaitable<Result<void>> erase(std::string key) = 0;
  // Removes every key that starts with `prefix` (Redis: SCAN + UNLINK).
  virtual boost::asio::awaitable<Result<void>> erase_prefix(std::string prefix) = 0;

  virtual std::string_view backend() const noexcept = 0;
};

struct MemoryOptions {
  std::size_t max_entries = 10'000;
  std::size_t max_bytes = 64u << 20;  // keys + values
};

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{200};
  std::size_t max_pending = 1024;     // commands in flight on one connection
  std::string key_prefix = "cloudcafe:";
};

// Thread-safe; usable from coroutines on any I/O thread.
std::unique_ptr<Cache> make_memory_cache(MemoryOptions options);

// Thread-safe; usable from coroutines on any I/O thread. Keeps one
// connection per calling I/O thread (no locks on the hot path), reconnects
// after an error with backoff, pipelines commands, and gives each command a
// deadline. A Redis that is down makes calls fail fast with kUnavailable.
std::unique_ptr<Cache> make_redis_cache(RedisOptions options);

// Coalesces concurrent misses for one key: the first caller runs `load`,
// the others wait for its result instead of hitting the source too.
// Errors from the cache are treated as misses; errors from `load` are
// returned to every waiter and not cached.
class CoalescingLoader {
 public:
  using Loader = std::function<boost::asio::awaitable<Result<std::string>>()>;

  CoalescingLoader(Cache& cache, std::size_t max_inflight_keys = 1024);
  ~CoalescingLoader();

  boost::asio::awaitable<Result<std::string>> get_or_load(std::string key, std::chrono::milliseconds ttl,
                                                          Loader load);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cafe::cache
