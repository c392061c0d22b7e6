// The menu's application layer: the current catalog snapshot, its
// renderings (cached per catalog version and store), and admin writes.
// Handlers in api/ call this; it calls the store and the cache.
//
// Replicas agree because everything derives from the catalog version in
// the database: a replica polls it every `refresh_interval` (a background
// task of the service kit calls refresh(); writes reload at once), ETags
// and cache keys carry it, so a stale rendering is never served under a new
// ETag.
#pragma once

#include "platform/cache/cache.h"
#include "platform/service/concurrency_limiter.h"
#include "services/menu/domain/catalog.h"
#include "services/menu/domain/item_rules.h"
#include "services/menu/store/catalog_store.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace cafe::menu {

struct MenuOptions {
  std::chrono::milliseconds cache_ttl{300'000};  // renderings are immutable per version; TTL frees memory
  // Calls to the store beyond this limit's capacity are refused
  // (kUnavailable) instead of queueing; null: unlimited.
  service::ConcurrencyLimiter* store_limit = nullptr;
  // Called after each committed write (the outbox relay's notify()).
  std::function<void()> committed{};
};

struct Rendered {
  std::string body;
  std::int64_t version = 0;
};

class MenuService {
 public:
  using Render = std::function<Result<std::string>(const domain::Catalog&)>;

  MenuService(store::CatalogStore& store, cache::Cache& cache, MenuOptions options);

  // Loads the catalog if its version changed (or was never loaded), within
  // `deadline` (the store's default budget when none is given).
  boost::asio::awaitable<Result<void>> refresh(Deadline deadline);
  boost::asio::awaitable<Result<void>> refresh();

  // The current snapshot; null before the first successful refresh().
  std::shared_ptr<const domain::Catalog> catalog() const;
  bool ready() const { return catalog() != nullptr; }

  boost::asio::awaitable<Result<Rendered>> menu(std::optional<domain::StoreId> store);
  boost::asio::awaitable<Result<Rendered>> item(std::string item_id, std::optional<domain::StoreId> store);
  boost::asio::awaitable<Result<Rendered>> item_array(std::string category);

  // Each writes and reloads within the deadline of the request it serves.
  boost::asio::awaitable<Result<std::int64_t>> create_item(domain::ItemInput input, Deadline deadline);
  boost::asio::awaitable<Result<std::int64_t>> update_item(domain::ItemInput input, Deadline deadline);
  boost::asio::awaitable<Result<std::int64_t>> delete_item(std::string item_id, Deadline deadline);

 private:
  // One rendering of `snapshot`, from the cache or made now (misses coalesced).
  boost::asio::awaitable<Result<Rendered>> cached(std::shared_ptr<const domain::Catalog> snapshot,
                                                  std::string name, Render render);
  // One store write (holding a store permit), then the reload after it.
  using StoreWrite = std::function<boost::asio::awaitable<Result<std::int64_t>>()>;
  boost::asio::awaitable<Result<std::int64_t>> write(StoreWrite write, Deadline deadline);
  boost::asio::awaitable<Result<std::int64_t>> after_write(Result<std::int64_t> written, Deadline deadline);
  void install(std::shared_ptr<const domain::Catalog> catalog);
  // A permit for one call to the store, or why not.
  Result<std::optional<service::ConcurrencyLimiter::Permit>> store_permit();

  store::CatalogStore& store_;
  cache::Cache& cache_;
  cache::CoalescingLoader loader_;
  MenuOptions options_;

  mutable std::mutex mutex_;
  std::shared_ptr<const domain::Catalog> catalog_;  // guarded by mutex_
};

// A strong ETag for a rendering of one catalog version for one store.
std::string make_etag(std::int64_t version, std::string_view rendering);
// True when an If-None-Match header value names `etag` (or is "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace cafe::menu
