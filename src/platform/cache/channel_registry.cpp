#include "platform/cache/internal/channel_registry.h"

#include <utility>

namespace cafe::cache::internal {

boost::asio::execution_context::id ChannelRegistry::id;

ChannelRegistry::ChannelRegistry(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {}

ChannelRegistry::Lookup ChannelRegistry::channel(std::uint64_t cache_id, boost::asio::any_io_executor ex,
                                                 const std::shared_ptr<const RedisOptions>& options) {
  std::lock_guard lock(mutex_);
  auto& slot = channels_[cache_id];
  if (slot) return {slot.get(), false};
  slot = std::make_shared<RedisChannel>(std::move(ex), options);
  return {slot.get(), true};
}

void ChannelRegistry::drop(std::uint64_t cache_id) {
  std::shared_ptr<RedisChannel> channel;
  {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(cache_id);
    if (it == channels_.end()) return;
    channel = std::move(it->second);
    channels_.erase(it);
  }
  channel->close();
}

void ChannelRegistry::shutdown() {
  {
    std::lock_guard lock(liveness_->mutex);
    liveness_->alive = false;
  }
  // Sockets and timers are released as their pending handlers are destroyed
  // by the rest of the io_context's shutdown; nothing more may be posted here.
  std::unordered_map<std::uint64_t, std::shared_ptr<RedisChannel>> channels;
  std::lock_guard lock(mutex_);
  channels.swap(channels_);
}

}  // namespace cafe::cache::internal
