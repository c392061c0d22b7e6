// One contract, every backend. The executable is built once per backend
// (CAFE_CACHE_BACKEND_MEMORY / _REDIS) so ctest labels can tell them apart:
// `ctest -L fast` and the memory run never start Redis.
#include "integration/platform/cache/cache_fixture.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace cafe::cache::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Lookup = Result<std::optional<std::string>>;

using CacheConformance = CacheTest;

TEST_P(CacheConformance, GetsWhatWasSetUntilErased) {
  EXPECT_EQ(text(run(cache_->get("k"))), kMiss);
  ASSERT_TRUE(run(cache_->set("k", "v1", 10s)));
  EXPECT_EQ(text(run(cache_->get("k"))), "v1");
  ASSERT_TRUE(run(cache_->set("k", "v2", 10s)));
  EXPECT_EQ(text(run(cache_->get("k"))), "v2");
  ASSERT_TRUE(run(cache_->erase("k")));
  EXPECT_EQ(text(run(cache_->get("k"))), kMiss);
  EXPECT_TRUE(run(cache_->erase("k")));  // erasing a missing key is fine
}

TEST_P(CacheConformance, ValuesAndKeysAreBinarySafe) {
  const std::string key("k\0\r\n*", 5);
  const std::string value("\0a\r\n$-1\r\n\0", 10);
  ASSERT_TRUE(run(cache_->set(key, value, 10s)));
  EXPECT_EQ(text(run(cache_->get(key))), value);
  EXPECT_EQ(text(run(cache_->get(std::string("k", 1)))), kMiss);
  ASSERT_TRUE(run(cache_->set("empty", "", 10s)));
  EXPECT_EQ(text(run(cache_->get("empty"))), std::string());
}

TEST_P(CacheConformance, StoresAOneMebibyteValue) {
  std::string value(1u << 20, '\0');
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 31 % 251);
  ASSERT_TRUE(run(cache_->set("big", value, 10s)));
  EXPECT_TRUE(text(run(cache_->get("big"))) == value);  // no 1 MiB diff on failure
}

TEST_P(CacheConformance, EntriesExpireAfterTheirTtl) {
  ASSERT_TRUE(run(cache_->set("short", "v", 100ms)));
  ASSERT_TRUE(run(cache_->set("long", "v", 10s)));
  const auto set_at = std::chrono::steady_clock::now();
  // Bounded wait: the entry must be gone within 2 s, and not before its TTL.
  Lookup short_lookup = Lookup("v");
  while (std::chrono::steady_clock::now() - set_at < 2s) {
    short_lookup = run(cache_->get("short"));
    if (text(short_lookup) == kMiss) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(text(short_lookup), kMiss);
  EXPECT_GE(std::chrono::steady_clock::now() - set_at, 90ms);
  EXPECT_EQ(text(run(cache_->get("long"))), "v");
}

TEST_P(CacheConformance, RejectsANonPositiveTtl) {
  auto zero = run(cache_->set("k", "v", 0ms));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(run(cache_->set("k", "v", -5ms)));
  EXPECT_EQ(text(run(cache_->get("k"))), kMiss);
}

TEST_P(CacheConformance, ErasePrefixRemovesOnlyMatchingKeys) {
  for (const char* key : {"menu:1", "menu:2", "menus", "order:1", "a*b:1", "axb:1"}) {
    ASSERT_TRUE(run(cache_->set(key, "v", 10s))) << key;
  }
  ASSERT_TRUE(run(cache_->erase_prefix("menu:")));
  EXPECT_EQ(text(run(cache_->get("menu:1"))), kMiss);
  EXPECT_EQ(text(run(cache_->get("menu:2"))), kMiss);
  EXPECT_EQ(text(run(cache_->get("menus"))), "v");
  EXPECT_EQ(text(run(cache_->get("order:1"))), "v");
  // A prefix is literal, not a glob.
  ASSERT_TRUE(run(cache_->erase_prefix("a*")));
  EXPECT_EQ(text(run(cache_->get("a*b:1"))), kMiss);
  EXPECT_EQ(text(run(cache_->get("axb:1"))), "v");
}

// 1000 keys: more than one SCAN batch (COUNT 500), fewer than max_pending.
TEST_P(CacheConformance, ErasePrefixRemovesMoreKeysThanOneScanBatch) {
  std::atomic<int> failures = 0;
  run_all(io_, 1000, [&](int i) -> asio::awaitable<void> {
    auto stored = co_await cache_->set("bulk:" + std::to_string(i), "v", 10s);
    if (!stored) ++failures;
  });
  ASSERT_EQ(failures, 0);
  ASSERT_TRUE(run(cache_->set("keep", "v", 10s)));
  ASSERT_TRUE(run(cache_->erase_prefix("bulk:")));
  EXPECT_EQ(text(run(cache_->get("bulk:0"))), kMiss);
  EXPECT_EQ(text(run(cache_->get("bulk:999"))), kMiss);
  EXPECT_EQ(text(run(cache_->get("keep"))), "v");
}

// 25 callers on each of two I/O threads ask for one key at once.
TEST_P(CacheConformance, ConcurrentGetOrLoadRunsTheLoaderOnce) {
  CoalescingLoader loader(*cache_);
  std::atomic<int> runs = 0;
  CoalescingLoader::Loader load = [&runs]() -> asio::awaitable<Result<std::string>> {
    ++runs;
    asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
    co_await timer.async_wait(asio::use_awaitable);
    co_return std::string("loaded");
  };
  std::mutex mutex;
  std::vector<Result<std::string>> results;
  auto caller = [&](int) -> asio::awaitable<void> {
    auto result = co_await loader.get_or_load("hot", 10s, load);
    std::lock_guard lock(mutex);
    results.push_back(std::move(result));
  };
  asio::io_context other_io;
  std::thread other([&] { run_all(other_io, 25, caller); });
  run_all(io_, 25, caller);
  other.join();
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(results.size(), 50u);
  for (const auto& r : results) EXPECT_EQ(text(r), "loaded");
  EXPECT_EQ(text(run(cache_->get("hot"))), "loaded");
}

TEST_P(CacheConformance, LoaderErrorReachesEveryWaiterAndIsNotCached) {
  CoalescingLoader loader(*cache_);
  std::atomic<int> runs = 0;
  CoalescingLoader::Loader failing = [&runs]() -> asio::awaitable<Result<std::string>> {
    ++runs;
    asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
    co_await timer.async_wait(asio::use_awaitable);
    co_return Error::unavailable("source down");
  };
  std::vector<Result<std::string>> results;
  run_all(io_, 10, [&](int) -> asio::awaitable<void> {
    auto result = co_await loader.get_or_load("k", 10s, failing);
    results.push_back(std::move(result));
  });
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(results.size(), 10u);
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().detail, "source down");
  }
  EXPECT_EQ(text(run(cache_->get("k"))), kMiss);
}

#if defined(CAFE_CACHE_BACKEND_MEMORY)
INSTANTIATE_TEST_SUITE_P(Memory, CacheConformance, ::testing::Values(Backend::kMemory), backend_name);
#elif defined(CAFE_CACHE_BACKEND_REDIS)
INSTANTIATE_TEST_SUITE_P(Redis, CacheConformance, ::testing::Values(Backend::kRedis), backend_name);
#else
#error "define CAFE_CACHE_BACKEND_MEMORY or CAFE_CACHE_BACKEND_REDIS"
#endif

}  // namespace
}  // namespace cafe::cache::testing
