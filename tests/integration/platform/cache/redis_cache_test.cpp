// What only the Redis backend has: a server that can die, pause or be
// shared by many coroutines and threads. Each test owns its server.
#include "platform/cache/cache.h"
#include "support/redis_server.h"
#include "unit/platform/cache/result_text.h"
#include "unit/platform/cache/run_sync.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace cafe::cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Lookup = Result<std::optional<std::string>>;
using testing::kMiss;
using testing::run_all;
using testing::run_sync;
using testing::text;

constexpr auto kConnectTimeout = 500ms;
constexpr auto kCommandTimeout = 200ms;

RedisOptions options_for(const test::RedisServer& server) {
  return RedisOptions{.host = "127.0.0.1",
                      .port = server.port(),
                      .connect_timeout = kConnectTimeout,
                      .command_timeout = kCommandTimeout,
                      .max_pending = 1024,
                      .key_prefix = "redis-test:"};
}

// Lines in CLIENT LIST that are not the listing connection itself.
int other_clients(const test::RedisServer& server) {
  auto list = server.command("CLIENT LIST");
  if (!list) return -1;
  int lines = 0;
  for (char c : *list) lines += c == '\n';
  return lines - 1;
}

// Retries `get` until it succeeds, bounded; returns how long it took.
Clock::duration until_answered(asio::io_context& io, Cache& cache, std::chrono::milliseconds bound) {
  const auto start = Clock::now();
  while (Clock::now() - start < bound) {
    if (run_sync(io, cache.get("probe"))) break;
    std::this_thread::sleep_for(20ms);
  }
  return Clock::now() - start;
}

TEST(RedisCache, FailsFastWhileRedisIsDownAndRecoversAfterARestart) {
  auto server = test::RedisServer::start_own_or_skip();
  if (!server) return;
  asio::io_context io;
  auto cache = make_redis_cache(options_for(*server));
  ASSERT_TRUE(run_sync(io, cache->set("k", "v", 10s)));

  server->stop();
  const auto down_since = Clock::now();
  int calls = 0;
  while (Clock::now() - down_since < 500ms) {
    const auto start = Clock::now();
    auto result = run_sync(io, cache->get("k"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    // Far below connect_timeout + command_timeout: refused or backing off.
    EXPECT_LT(Clock::now() - start, 100ms);
    ++calls;
  }
  EXPECT_GT(calls, 10);

  ASSERT_TRUE(server->start());
  // Backoff is at most 2 s; the restarted server has no data (no persistence).
  EXPECT_LT(until_answered(io, *cache, 5s), 3s);
  EXPECT_EQ(text(run_sync(io, cache->get("k"))), kMiss);
  ASSERT_TRUE(run_sync(io, cache->set("k", "again", 10s)));
  EXPECT_EQ(text(run_sync(io, cache->get("k"))), "again");
}

TEST(RedisCache, CommandTimesOutWhileRedisIsPaused) {
  auto server = test::RedisServer::start_own_or_skip();
  if (!server) return;
  asio::io_context io;
  auto cache = make_redis_cache(options_for(*server));
  ASSERT_TRUE(run_sync(io, cache->set("k", "v", 10s)));

  server->pause();
  const auto start = Clock::now();
  auto result = run_sync(io, cache->get("k"));
  const auto elapsed = Clock::now() - start;
  server->resume();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, kCommandTimeout);
  EXPECT_LT(elapsed, kCommandTimeout + 300ms);

  EXPECT_LT(until_answered(io, *cache, 5s), 3s);
  EXPECT_EQ(text(run_sync(io, cache->get("k"))), "v");
}

TEST(RedisCache, PipelinesManyConcurrentCommandsOnOneConnection) {
  auto server = test::RedisServer::start_own_or_skip();
  if (!server) return;
  asio::io_context io;
  auto cache = make_redis_cache(options_for(*server));
  constexpr int kCallers = 500;
  std::atomic<int> good = 0;
  const auto start = Clock::now();
  run_all(io, kCallers, [&](int i) -> asio::awaitable<void> {
    const auto key = "p:" + std::to_string(i);
    auto stored = co_await cache->set(key, std::to_string(i * i), 10s);
    auto read = co_await cache->get(key);
    if (stored && text(read) == std::to_string(i * i)) ++good;
  });
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(good, kCallers);
  EXPECT_EQ(other_clients(*server), 1);
  // 1000 round trips one after another would take far longer under ASan.
  EXPECT_LT(elapsed, 2s);
}

TEST(RedisCache, EachIoThreadUsesItsOwnConnection) {
  auto server = test::RedisServer::start_own_or_skip();
  if (!server) return;
  auto cache = make_redis_cache(options_for(*server));
  asio::io_context io_a;
  asio::io_context io_b;
  std::atomic<int> good = 0;
  auto caller = [&](int i) -> asio::awaitable<void> {
    const auto key = "t:" + std::to_string(i);
    auto stored = co_await cache->set(key, "v", 10s);
    auto read = co_await cache->get(key);
    if (stored && text(read) == "v") ++good;
  };
  std::thread a([&] { run_all(io_a, 50, caller); });
  std::thread b([&] { run_all(io_b, 50, caller); });
  a.join();
  b.join();
  EXPECT_EQ(good, 100);
  EXPECT_EQ(other_clients(*server), 2);
  // The cache goes first: its connections close when their io_contexts run.
  cache.reset();
  io_a.restart();
  io_a.poll();
  io_b.restart();
  io_b.poll();
  for (int i = 0; i < 50 && other_clients(*server) != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(other_clients(*server), 0);
}

}  // namespace
}  // namespace cafe::cache
