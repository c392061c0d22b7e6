#include "platform/cache/cache.h"
#include "unit/platform/cache/result_text.h"
#include "unit/platform/cache/run_sync.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cafe::cache {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::kMiss;
using testing::run_sync;
using testing::text;

// A loader that takes `delay` (so concurrent callers overlap) and counts its runs.
CoalescingLoader::Loader counting_loader(std::atomic<int>& runs, Result<std::string> result,
                                         std::chrono::milliseconds delay = 20ms) {
  return [&runs, result, delay]() -> asio::awaitable<Result<std::string>> {
    ++runs;
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    co_return result;
  };
}

// Spawns `n` get_or_load calls for `key` on `io` and collects their results.
void spawn_callers(asio::io_context& io, CoalescingLoader& loader, std::string key, int n,
                   CoalescingLoader::Loader load, std::vector<Result<std::string>>& results,
                   std::mutex& mutex) {
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(
        io,
        [&loader, key, load, &results, &mutex]() -> asio::awaitable<void> {
          auto result = co_await loader.get_or_load(key, 10s, load);
          std::lock_guard lock(mutex);
          results.push_back(std::move(result));
        },
        asio::detached);
  }
}

TEST(CoalescingLoader, ConcurrentMissesRunTheLoaderOnce) {
  auto cache = make_memory_cache({});
  CoalescingLoader loader(*cache);
  std::atomic<int> runs = 0;
  std::vector<Result<std::string>> results;
  std::mutex mutex;
  asio::io_context io;
  spawn_callers(io, loader, "k", 50, counting_loader(runs, std::string("v")), results, mutex);
  io.run();
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(results.size(), 50u);
  for (const auto& r : results) EXPECT_EQ(text(r), "v");
  // The value is now cached: no further load.
  auto again = run_sync(io, loader.get_or_load("k", 10s, counting_loader(runs, std::string("other"))));
  EXPECT_EQ(text(again), "v");
  EXPECT_EQ(runs, 1);
}

TEST(CoalescingLoader, WaitersOnOtherThreadsResumeOnTheirOwnExecutors) {
  auto cache = make_memory_cache({});
  CoalescingLoader loader(*cache);
  std::atomic<int> runs = 0;
  asio::io_context leader_io;
  asio::io_context waiter_io;
  std::atomic<int> on_wrong_thread = 0;
  std::vector<Result<std::string>> results;
  std::mutex mutex;
  auto load = counting_loader(runs, std::string("v"), 200ms);

  spawn_callers(leader_io, loader, "k", 1, load, results, mutex);
  std::thread leader([&] { leader_io.run(); });
  std::this_thread::sleep_for(50ms);  // the leader is inside its 200 ms load
  std::thread::id waiter_thread;
  for (int i = 0; i < 10; ++i) {
    asio::co_spawn(
        waiter_io,
        [&]() -> asio::awaitable<void> {
          auto result = co_await loader.get_or_load("k", 10s, load);
          if (std::this_thread::get_id() != waiter_thread) ++on_wrong_thread;
          std::lock_guard lock(mutex);
          results.push_back(std::move(result));
        },
        asio::detached);
  }
  std::thread waiter([&] {
    waiter_thread = std::this_thread::get_id();
    waiter_io.run();
  });
  leader.join();
  waiter.join();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(on_wrong_thread, 0);
  ASSERT_EQ(results.size(), 11u);
  for (const auto& r : results) EXPECT_EQ(text(r), "v");
}

TEST(CoalescingLoader, LoadErrorReachesEveryWaiterAndIsNotCached) {
  auto cache = make_memory_cache({});
  CoalescingLoader loader(*cache);
  std::atomic<int> runs = 0;
  std::vector<Result<std::string>> results;
  std::mutex mutex;
  asio::io_context io;
  spawn_callers(io, loader, "k", 5, counting_loader(runs, Error::unavailable("menu store down")), results,
                mutex);
  io.run();
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(r.error().detail, "menu store down");
  }
  auto cached = run_sync(io, cache->get("k"));
  EXPECT_EQ(text(cached), kMiss);
  auto next = run_sync(io, loader.get_or_load("k", 10s, counting_loader(runs, std::string("v"))));
  EXPECT_EQ(text(next), "v");
  EXPECT_EQ(runs, 2);
}

TEST(CoalescingLoader, ThrowingLoaderFailsTheWaitersAndRethrowsToItsCaller) {
  auto cache = make_memory_cache({});
  CoalescingLoader loader(*cache);
  asio::io_context io;
  auto throwing = []() -> asio::awaitable<Result<std::string>> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
    co_await timer.async_wait(asio::use_awaitable);
    throw std::runtime_error("loader bug");
  };
  auto leader = asio::co_spawn(io, loader.get_or_load("k", 10s, throwing), asio::use_future);
  auto waiter = asio::co_spawn(io, loader.get_or_load("k", 10s, throwing), asio::use_future);
  io.run();
  EXPECT_THROW(leader.get(), std::runtime_error);
  auto waited = waiter.get();
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code, ErrorCode::kInternal);
}

TEST(CoalescingLoader, AbandonedLeaderReleasesItsWaiters) {
  auto cache = make_memory_cache({});
  CoalescingLoader loader(*cache);
  std::atomic<int> runs = 0;
  std::vector<Result<std::string>> results;
  std::mutex mutex;
  asio::io_context waiter_io;
  {
    asio::io_context leader_io;
    spawn_callers(leader_io, loader, "k", 1, counting_loader(runs, std::string("v"), 10s), results, mutex);
    leader_io.run_for(20ms);  // the leader is now suspended in its load
    spawn_callers(waiter_io, loader, "k", 3, counting_loader(runs, std::string("v")), results, mutex);
    waiter_io.run_for(20ms);
    EXPECT_TRUE(results.empty());
  }  // destroying leader_io destroys the leader's frame
  waiter_io.restart();
  waiter_io.run();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  }
}

TEST(CoalescingLoader, PastTheKeyBoundCallersLoadOnTheirOwn) {
  auto cache = make_memory_cache({});
  CoalescingLoader loader(*cache, 1);
  std::atomic<int> runs_a = 0;
  std::atomic<int> runs_b = 0;
  std::vector<Result<std::string>> results;
  std::mutex mutex;
  asio::io_context io;
  spawn_callers(io, loader, "a", 3, counting_loader(runs_a, std::string("A")), results, mutex);
  spawn_callers(io, loader, "b", 3, counting_loader(runs_b, std::string("B")), results, mutex);
  io.run();
  EXPECT_EQ(runs_a, 1);  // "a" took the only slot
  EXPECT_EQ(runs_b, 3);
  EXPECT_EQ(results.size(), 6u);
}

// A cache that fails every call, as a Redis outage would.
class BrokenCache final : public Cache {
 public:
  asio::awaitable<Result<std::optional<std::string>>> get(std::string) override {
    co_return Error::unavailable("down");
  }
  asio::awaitable<Result<void>> set(std::string, std::string, std::chrono::milliseconds) override {
    ++sets;
    co_return Error::unavailable("down");
  }
  asio::awaitable<Result<void>> erase(std::string) override { co_return Error::unavailable("down"); }
  asio::awaitable<Result<void>> erase_prefix(std::string) override { co_return Error::unavailable("down"); }
  std::string_view backend() const noexcept override { return "broken"; }
  void close() override {}
  int sets = 0;
};

TEST(CoalescingLoader, TreatsCacheErrorsAsMisses) {
  BrokenCache cache;
  CoalescingLoader loader(cache);
  std::atomic<int> runs = 0;
  asio::io_context io;
  auto result = run_sync(io, loader.get_or_load("k", 10s, counting_loader(runs, std::string("v"))));
  EXPECT_EQ(text(result), "v");
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(cache.sets, 1);
}

}  // namespace
}  // namespace cafe::cache
