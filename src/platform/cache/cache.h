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
  // `ttl` must be positive (kInvalidArgument otherwise, on every backend).
  virtual boost::asio::awaitable<Result<void>> set(std::string key, std::string value,
                                                   std::chrono::milliseconds ttl) = 0;
  virtual boost::asio::awaitable<Result<void>> erase(std::string key) = 0;
  // Removes every key that starts with `prefix` (Redis: SCAN + UNLINK).
  virtual boost::asio::awaitable<Result<void>> erase_prefix(std::string prefix) = 0;

  virtual std::string_view backend() const noexcept = 0;

  // Releases connections (a service calls it when its graceful shutdown
  // begins, so its I/O threads can finish). A cache that needs a
  // connection fails later calls with kUnavailable; the memory cache keeps
  // answering. Callable from any thread; idempotent.
  virtual void close() = 0;
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
  std::size_t max_pending = 1024;  // commands in flight on one connection
  std::string key_prefix = "cloudcafe:";
};

// Thread-safe; usable from coroutines on any I/O thread.
std::unique_ptr<Cache> make_memory_cache(MemoryOptions options);

// Thread-safe; usable from coroutines on any I/O thread. Keeps one
// connection per calling io_context (an Asio service of that io_context owns
// it; the lookup is one uncontended mutex, no lock is held across I/O),
// reconnects after an error with backoff (100 ms doubling to 2 s), pipelines
// commands (at most max_pending in flight, then kUnavailable), and gives
// each command a deadline: a call takes at most connect_timeout +
// command_timeout; a missed deadline is kDeadlineExceeded. A Redis that is
// down makes calls fail fast with kUnavailable.
//
// Each io_context that calls it must be run by one thread (DESIGN §4): its
// connection is not locked. Lifetimes are independent: a connection closes
// when its io_context is destroyed or, if the cache goes first, when that
// io_context next runs. Calls must not be in flight when the cache is destroyed.
std::unique_ptr<Cache> make_redis_cache(RedisOptions options);

// Coalesces concurrent misses for one key: the first caller runs `load`,
// the others wait for its result instead of hitting the source too.
// Errors from the cache are treated as misses; errors from `load` are
// returned to every waiter and not cached. Waiters may be on any thread;
// each resumes on its own executor. At most max_inflight_keys keys are
// coalesced at once; past that, callers load on their own. The loader must
// outlive its calls.
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
