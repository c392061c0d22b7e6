// What one I/O thread uses to talk to Redis for one cache: the current
// RedisLink, replaced after it dies, but no sooner than a backoff allows
// (100 ms doubling to 2 s while attempts keep failing; at once after a
// connection that had worked), so a dead Redis makes calls fail fast with
// kUnavailable instead of piling up connects.
//
// Same threading rule as RedisLink: used only from its executor.
#pragma once

#include "platform/cache/cache.h"
#include "platform/cache/internal/backoff.h"
#include "platform/cache/internal/redis_link.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace cafe::cache::internal {

class RedisChannel {
 public:
  static constexpr std::chrono::milliseconds kInitialBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{2000};

  RedisChannel(boost::asio::any_io_executor ex, std::shared_ptr<const RedisOptions> options);
  RedisChannel(const RedisChannel&) = delete;
  RedisChannel& operator=(const RedisChannel&) = delete;

  // Sends on the current link, connecting first when there is none; refuses
  // with kUnavailable while the backoff runs.
  void submit(std::string_view command, ReplyCompletion done);

  // Closes the link; its pending commands fail with kUnavailable.
  void close();

 private:
  boost::asio::any_io_executor ex_;
  std::shared_ptr<const RedisOptions> options_;
  std::shared_ptr<RedisLink> link_;
  bool death_counted_ = false;
  Backoff backoff_{kInitialBackoff, kMaxBackoff};
  RedisLink::Clock::time_point retry_at_{};
};

}  // namespace cafe::cache::internal
