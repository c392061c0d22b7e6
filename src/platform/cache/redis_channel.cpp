#include "platform/cache/internal/redis_channel.h"

#include <utility>

namespace cafe::cache::internal {

RedisChannel::RedisChannel(boost::asio::any_io_executor ex, std::shared_ptr<const RedisOptions> options)
    : ex_(std::move(ex)), options_(std::move(options)) {}

void RedisChannel::submit(std::string_view command, ReplyCompletion done) {
  if (!link_ || link_->dead()) {
    if (link_ && !death_counted_) {
      death_counted_ = true;
      if (link_->had_reply()) backoff_.reset();
      retry_at_ = link_->had_reply() ? link_->died_at() : link_->died_at() + backoff_.next();
    }
    if (RedisLink::Clock::now() < retry_at_) {
      done->complete(Error::unavailable("redis unavailable (reconnect backoff)"));
      return;
    }
    link_ = std::make_shared<RedisLink>(ex_, options_);
    death_counted_ = false;
    link_->start();
  }
  link_->submit(command, std::move(done));
}

void RedisChannel::close() {
  if (link_) link_->close(Error::unavailable("redis cache destroyed"));
}

}  // namespace cafe::cache::internal
