// The Redis backend. Each call finds its I/O thread's channel (one
// connection per io_context and cache, see channel_registry.h), formats the
// command with hiredis and waits for the reply; the connection pipelines
// whatever the thread's coroutines send meanwhile.
#include "platform/cache/cache.h"
#include "platform/cache/internal/channel_registry.h"
#include "platform/cache/internal/redis_protocol.h"
#include "platform/cache/internal/ttl.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

namespace cafe::cache {
namespace {

namespace asio = boost::asio;
using internal::RedisReply;

constexpr std::string_view kScanBatch = "500";

std::atomic<std::uint64_t> next_cache_id{1};

// SCAN MATCH takes a glob: escape its metacharacters so a prefix is literal.
std::string glob_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Error unexpected(const RedisReply& reply, std::string_view command) {
  if (reply.type == RedisReply::Type::kError) return internal::error_from_reply(reply);
  return Error::internal("redis: unexpected reply to " + std::string(command));
}

class RedisCache final : public Cache {
 public:
  explicit RedisCache(RedisOptions options)
      : options_(std::make_shared<const RedisOptions>(std::move(options))), id_(next_cache_id++) {}

  ~RedisCache() override { close(); }

  void close() override {
    closed_.store(true);
    std::lock_guard lock(mutex_);
    for (auto& context : contexts_) {
      std::lock_guard alive_lock(context.liveness->mutex);
      if (!context.liveness->alive) continue;
      asio::post(context.executor, [registry = context.registry, id = id_] { registry->drop(id); });
    }
  }

  asio::awaitable<Result<std::optional<std::string>>> get(std::string key) override {
    auto command = internal::format_command({"GET", prefixed(key)});
    auto reply = co_await execute(std::move(command));
    if (!reply) co_return reply.error();
    if (reply->type == RedisReply::Type::kNil) co_return std::optional<std::string>();
    if (reply->type == RedisReply::Type::kString) co_return std::optional<std::string>(std::move(reply->str));
    co_return unexpected(*reply, "GET");
  }

  asio::awaitable<Result<void>> set(std::string key, std::string value,
                                    std::chrono::milliseconds ttl) override {
    if (auto valid = internal::check_ttl(ttl); !valid) co_return valid;
    const auto ms = std::to_string(ttl.count());
    auto command = internal::format_command({"SET", prefixed(key), value, "PX", ms});
    auto reply = co_await execute(std::move(command));
    if (!reply) co_return reply.error();
    if (reply->type == RedisReply::Type::kStatus) co_return ok();
    co_return unexpected(*reply, "SET");
  }

  asio::awaitable<Result<void>> erase(std::string key) override {
    auto command = internal::format_command({"UNLINK", prefixed(key)});
    auto reply = co_await execute(std::move(command));
    if (!reply) co_return reply.error();
    if (reply->type == RedisReply::Type::kInteger) co_return ok();
    co_return unexpected(*reply, "UNLINK");
  }

  asio::awaitable<Result<void>> erase_prefix(std::string prefix) override {
    const auto pattern = glob_escape(prefixed(prefix)) + "*";
    std::string cursor = "0";
    do {
      auto scan = internal::format_command({"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch});
      auto reply = co_await execute(std::move(scan));
      if (!reply) co_return reply.error();
      if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2 ||
          reply->elements[0].type != RedisReply::Type::kString ||
          reply->elements[1].type != RedisReply::Type::kArray) {
        co_return unexpected(*reply, "SCAN");
      }
      cursor = std::move(reply->elements[0].str);
      const auto& keys = reply->elements[1].elements;
      if (keys.empty()) continue;
      std::vector<std::string_view> args{"UNLINK"};
      args.reserve(keys.size() + 1);
      for (const auto& k : keys) args.push_back(k.str);
      auto unlink = internal::format_command(args);
      auto unlinked = co_await execute(std::move(unlink));
      if (!unlinked) co_return unlinked.error();
      if (unlinked->type != RedisReply::Type::kInteger) co_return unexpected(*unlinked, "UNLINK");
    } while (cursor != "0");
    co_return ok();
  }

  std::string_view backend() const noexcept override { return "redis"; }

 private:
  // An io_context this cache has a channel on, remembered so the destructor
  // can close it there.
  struct Context {
    std::shared_ptr<internal::ContextLiveness> liveness;
    internal::ChannelRegistry* registry;  // valid while liveness->alive
    asio::any_io_executor executor;
  };

  std::string prefixed(std::string_view key) const { return options_->key_prefix + std::string(key); }

  internal::RedisChannel* channel_for(const asio::any_io_executor& ex) {
    auto& context = asio::query(ex, asio::execution::context);
    auto& registry = asio::use_service<internal::ChannelRegistry>(context);
    auto lookup = registry.channel(id_, ex, options_);
    if (lookup.created) {
      std::lock_guard lock(mutex_);
      std::erase_if(contexts_, [](const Context& c) {
        std::lock_guard alive_lock(c.liveness->mutex);
        return !c.liveness->alive;
      });
      contexts_.push_back(Context{registry.liveness(), &registry, ex});
    }
    return lookup.channel;
  }

  asio::awaitable<Result<RedisReply>> execute(std::string command) {
    if (closed_.load()) co_return Error::unavailable("redis cache is closed");
    auto ex = co_await asio::this_coro::executor;
    // Looked up again by the initiation, which runs on this thread before
    // the coroutine suspends: no drop() can run in between.
    auto initiate = [this, ex](auto handler, std::string bytes) {
      auto* channel = channel_for(ex);
      channel->submit(std::move(bytes), make_completion<Result<RedisReply>>(std::move(handler)));
    };
    auto op = asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<RedisReply>)>(
        initiate, asio::use_awaitable, std::move(command));
    co_return co_await std::move(op);
  }

  std::shared_ptr<const RedisOptions> options_;
  const std::uint64_t id_;
  std::mutex mutex_;
  std::atomic<bool> closed_{false};
  std::vector<Context> contexts_;  // guarded by mutex_
};

}  // namespace

std::unique_ptr<Cache> make_redis_cache(RedisOptions options) {
  return std::make_unique<RedisCache>(std::move(options));
}

}  // namespace cafe::cache
