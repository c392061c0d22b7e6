// One "flight" per key being loaded: the first caller (the leader) reads
// the cache and, on a miss, runs the loader and stores the value; callers
// arriving meanwhile park a completion handler on the flight and are resumed
// on their own executors with the leader's result.
#include "platform/cache/cache.h"
#include "platform/core/completion.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cafe::cache {
namespace {

namespace asio = boost::asio;
using Waiter = CompletionPtr<Result<std::string>>;

struct Flight {
  // All guarded by FlightTable::mutex_.
  bool done = false;
  Result<std::string> result = Error::internal("flight not finished");
  std::vector<Waiter> waiters;
};

// The flights in progress, bounded by max_inflight_keys.
class FlightTable {
 public:
  explicit FlightTable(std::size_t max_keys) : max_keys_(max_keys) {}

  struct Entry {
    std::shared_ptr<Flight> flight;  // null: over the bound, load alone
    bool leader = false;
  };
  Entry join_or_lead(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (auto it = flights_.find(key); it != flights_.end()) return {it->second, false};
    // Past the bound the caller loads on its own: more load on the source,
    // but the table stays bounded.
    if (flights_.size() >= max_keys_) return {nullptr, false};
    auto flight = std::make_shared<Flight>();
    flights_.emplace(key, flight);
    return {flight, true};
  }

  // Parks a waiter, or posts the result at once if the flight has ended.
  void wait(const std::shared_ptr<Flight>& flight, Waiter waiter) {
    std::unique_lock lock(mutex_);
    if (!flight->done) {
      flight->waiters.push_back(std::move(waiter));
      return;
    }
    auto result = flight->result;
    lock.unlock();
    waiter->complete(std::move(result));
  }

  // Ends a flight: later callers start a new one, parked waiters get `result`.
  void finish(const std::string& key, const std::shared_ptr<Flight>& flight,
              const Result<std::string>& result) {
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mutex_);
      if (auto it = flights_.find(key); it != flights_.end() && it->second == flight) flights_.erase(it);
      flight->done = true;
      flight->result = result;
      waiters.swap(flight->waiters);
    }
    for (auto& waiter : waiters) waiter->complete(result);
  }

 private:
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;  // guarded by mutex_
};

// Finishes the leader's flight even if the leader never gets to: its loader
// threw, or its coroutine was destroyed while suspended (io_context shut
// down). Otherwise the waiters would wait forever.
class FlightGuard {
 public:
  FlightGuard(FlightTable& table, std::string key, std::shared_ptr<Flight> flight)
      : table_(table), key_(std::move(key)), flight_(std::move(flight)) {}
  FlightGuard(const FlightGuard&) = delete;
  FlightGuard& operator=(const FlightGuard&) = delete;
  ~FlightGuard() {
    if (flight_) table_.finish(key_, flight_, Error::unavailable("cache load abandoned"));
  }

  void finish(const Result<std::string>& result) {
    if (!flight_) return;
    table_.finish(key_, flight_, result);
    flight_.reset();
  }

 private:
  FlightTable& table_;
  std::string key_;
  std::shared_ptr<Flight> flight_;  // null when not coalescing or finished
};

}  // namespace

struct CoalescingLoader::Impl {
  Impl(Cache& c, std::size_t max_inflight_keys) : cache(c), flights(max_inflight_keys) {}
  Cache& cache;
  FlightTable flights;
};

CoalescingLoader::CoalescingLoader(Cache& cache, std::size_t max_inflight_keys)
    : impl_(std::make_unique<Impl>(cache, max_inflight_keys)) {}

CoalescingLoader::~CoalescingLoader() = default;

asio::awaitable<Result<std::string>> CoalescingLoader::get_or_load(std::string key,
                                                                   std::chrono::milliseconds ttl,
                                                                   Loader load) {
  Impl& impl = *impl_;
  auto [flight, leader] = impl.flights.join_or_lead(key);

  if (flight && !leader) {
    auto initiate = [&impl, flight](auto handler) {
      impl.flights.wait(flight, make_completion<Result<std::string>>(std::move(handler)));
    };
    auto wait = asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<std::string>)>(
        initiate, asio::use_awaitable);
    co_return co_await std::move(wait);
  }

  FlightGuard guard(impl.flights, key, flight);
  // A cache error is a miss: the cache is an optimisation, the loader is the truth.
  auto cached = co_await impl.cache.get(key);
  if (cached && cached->has_value()) {
    Result<std::string> hit(std::move(**cached));
    guard.finish(hit);
    co_return hit;
  }

  Result<std::string> loaded = Error::internal("cache loader did not run");
  try {
    auto loading = load();
    loaded = co_await std::move(loading);
  } catch (...) {
    guard.finish(Error::internal("cache loader failed"));
    throw;
  }
  // Waiters resume now; they need not wait for the cache write.
  guard.finish(loaded);
  if (loaded) {
    // A failed set only means the next caller loads again.
    auto stored = co_await impl.cache.set(key, *loaded, ttl);
    (void)stored;
  }
  co_return loaded;
}

}  // namespace cafe::cache
