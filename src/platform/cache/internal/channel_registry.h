// Where the per-thread Redis connections live: an Asio service of each
// io_context, holding one RedisChannel per cache. Tying a connection to its
// io_context gives it the right lifetime for free: it is dropped when the
// io_context shuts down, so no socket outlives the reactor it is registered
// with, whatever order caches and io_contexts are destroyed in.
//
// A cache destroyed first posts a drop() to each io_context it used, if that
// io_context still exists (ContextLiveness says so, under its mutex).
#pragma once

#include "platform/cache/cache.h"
#include "platform/cache/internal/redis_channel.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace cafe::cache::internal {

struct ContextLiveness {
  std::mutex mutex;
  bool alive = true;  // guarded by mutex; false once the io_context shuts down
};

class ChannelRegistry final : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;

  explicit ChannelRegistry(boost::asio::execution_context& context);

  struct Lookup {
    // Owned here; valid until drop() or shutdown(), which run on this
    // io_context, so a caller on it may use the pointer until it suspends.
    // (A coroutine holding a shared_ptr across its suspension would form a
    // cycle: channel -> link -> pending completion -> coroutine frame.)
    RedisChannel* channel = nullptr;
    bool created = false;
  };
  // The channel of cache `cache_id` on this io_context, made on first use
  // with `ex` (the caller's executor, which will run its I/O).
  Lookup channel(std::uint64_t cache_id, boost::asio::any_io_executor ex,
                 const std::shared_ptr<const RedisOptions>& options);

  // Closes and forgets the channel of a destroyed cache. Runs on the io_context.
  void drop(std::uint64_t cache_id);

  const std::shared_ptr<ContextLiveness>& liveness() const noexcept { return liveness_; }

 private:
  void shutdown() override;

  std::shared_ptr<ContextLiveness> liveness_ = std::make_shared<ContextLiveness>();
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<RedisChannel>> channels_;  // guarded by mutex_
};

}  // namespace cafe::cache::internal
