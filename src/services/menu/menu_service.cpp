#include "services/menu/menu_service.h"

#include "platform/telemetry/log.h"
#include "services/menu/domain/render.h"

#include <cstdio>

namespace cafe::menu {

namespace asio = boost::asio;

MenuService::MenuService(store::CatalogStore& store, cache::Cache& cache, MenuOptions options)
    : store_(store), cache_(cache), loader_(cache), options_(options) {}

std::shared_ptr<const domain::Catalog> MenuService::catalog() const {
  std::lock_guard lock(mutex_);
  return catalog_;
}

void MenuService::install(std::shared_ptr<const domain::Catalog> catalog) {
  std::int64_t old_version = 0;
  {
    std::lock_guard lock(mutex_);
    if (catalog_ && catalog_->version >= catalog->version) return;
    old_version = catalog_ ? catalog_->version : 0;
    catalog_ = std::move(catalog);
  }
  telemetry::log(telemetry::Level::kInfo, "catalog_loaded",
                 {{"version", this->catalog()->version}, {"previous_version", old_version}});
}

Result<std::optional<service::ConcurrencyLimiter::Permit>> MenuService::store_permit() {
  using Permit = std::optional<service::ConcurrencyLimiter::Permit>;
  if (!options_.store_limit) return Permit{};
  auto permit = options_.store_limit->try_acquire();
  if (!permit) return permit.error();
  return Permit{std::move(*permit)};
}

asio::awaitable<Result<void>> MenuService::refresh() {
  co_return co_await refresh(store_.default_deadline());
}

asio::awaitable<Result<void>> MenuService::refresh(Deadline deadline) {
  auto permit = store_permit();
  if (!permit) co_return permit.error();
  auto version = co_await store_.current_version(deadline);
  if (!version) co_return version.error();
  auto current = catalog();
  if (current && current->version == *version) co_return ok();
  auto loaded = co_await store_.load(deadline);
  if (!loaded) co_return loaded.error();
  const std::int64_t old_version = current ? current->version : 0;
  install(std::move(*loaded));
  if (old_version != 0) {
    // Renderings are keyed by version, so old ones are never served again;
    // erasing them only returns their memory sooner.
    std::string old_prefix = "menu:v" + std::to_string(old_version) + ":";
    auto erased = co_await cache_.erase_prefix(std::move(old_prefix));
    (void)erased;  // a cache error here costs memory until the TTL, nothing else
  }
  co_return ok();
}

namespace {

Error not_loaded() {
  return Error::unavailable("the catalog is not loaded yet");
}

}  // namespace

asio::awaitable<Result<Rendered>> MenuService::cached(std::shared_ptr<const domain::Catalog> snapshot,
                                                      std::string name, Render render) {
  const std::string key = "menu:v" + std::to_string(snapshot->version) + ":" + name;
  // DESIGN §9: what a co_await expression passes is named first, never a
  // temporary with a destructor. The loader runs while get_or_load holds it.
  cache::CoalescingLoader::Loader load = [snapshot, render]() -> asio::awaitable<Result<std::string>> {
    co_return render(*snapshot);
  };
  auto body = co_await loader_.get_or_load(key, options_.cache_ttl, std::move(load));
  if (!body) co_return body.error();
  co_return Rendered{std::move(*body), snapshot->version};
}

asio::awaitable<Result<Rendered>> MenuService::menu(std::optional<domain::StoreId> store) {
  auto snapshot = catalog();
  if (!snapshot) co_return not_loaded();
  if (store && !snapshot->find_store(*store)) {
    co_return Error::not_found("no store " + std::to_string(*store));
  }
  std::string name = store ? "menu:" + std::to_string(*store) : "menu:all";
  Render render = [store](const domain::Catalog& c) -> Result<std::string> {
    return domain::render_menu(c, store);
  };
  co_return co_await cached(std::move(snapshot), std::move(name), std::move(render));
}

asio::awaitable<Result<Rendered>> MenuService::item(std::string item_id,
                                                    std::optional<domain::StoreId> store) {
  auto snapshot = catalog();
  if (!snapshot) co_return not_loaded();
  if (!snapshot->find_item(item_id)) co_return Error::not_found("no menu item '" + item_id + "'");
  if (store && !snapshot->find_store(*store)) {
    co_return Error::not_found("no store " + std::to_string(*store));
  }
  std::string name = "item:" + item_id + ":" + (store ? std::to_string(*store) : "all");
  Render render = [item_id, store](const domain::Catalog& c) -> Result<std::string> {
    const auto* found = c.find_item(item_id);
    if (!found) return Error::not_found("no menu item '" + item_id + "'");
    return domain::render_item(c, *found, store);
  };
  co_return co_await cached(std::move(snapshot), std::move(name), std::move(render));
}

asio::awaitable<Result<Rendered>> MenuService::item_array(std::string category) {
  auto snapshot = catalog();
  if (!snapshot) co_return not_loaded();
  std::string name = "items:" + category;
  Render render = [category](const domain::Catalog& c) -> Result<std::string> {
    return domain::render_item_array(c, category);
  };
  co_return co_await cached(std::move(snapshot), std::move(name), std::move(render));
}

asio::awaitable<Result<std::int64_t>> MenuService::after_write(Result<std::int64_t> written,
                                                               Deadline deadline) {
  if (!written) co_return written;
  if (options_.committed) options_.committed();
  // Read-your-writes on this replica: reload before answering.
  auto refreshed = co_await refresh(deadline);
  if (!refreshed) {
    telemetry::log(telemetry::Level::kWarn, "catalog_refresh_failed",
                   {{"detail", std::string_view(refreshed.error().detail)}});
  }
  co_return written;
}

asio::awaitable<Result<std::int64_t>> MenuService::write(StoreWrite write, Deadline deadline) {
  auto permit = store_permit();
  if (!permit) co_return permit.error();
  auto written = co_await write();
  permit->reset();  // the reload after the write takes its own
  co_return co_await after_write(std::move(written), deadline);
}

asio::awaitable<Result<std::int64_t>> MenuService::create_item(domain::ItemInput input, Deadline deadline) {
  StoreWrite create = [this, input = std::move(input), deadline]() mutable {
    return store_.create_item(std::move(input), deadline);
  };
  co_return co_await write(std::move(create), deadline);
}

asio::awaitable<Result<std::int64_t>> MenuService::update_item(domain::ItemInput input, Deadline deadline) {
  StoreWrite update = [this, input = std::move(input), deadline]() mutable {
    return store_.update_item(std::move(input), deadline);
  };
  co_return co_await write(std::move(update), deadline);
}

asio::awaitable<Result<std::int64_t>> MenuService::delete_item(std::string item_id, Deadline deadline) {
  StoreWrite remove = [this, item_id = std::move(item_id), deadline]() mutable {
    return store_.delete_item(std::move(item_id), deadline);
  };
  co_return co_await write(std::move(remove), deadline);
}

std::string make_etag(std::int64_t version, std::string_view rendering) {
  // FNV-1a over the rendering name keeps the tag short and stable across
  // replicas (it depends only on the version and what was rendered).
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : rendering) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"v%lld-%016llx\"", static_cast<long long>(version),
                static_cast<unsigned long long>(h));
  return buf;
}

bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // If-None-Match uses weak comparison
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace cafe::menu
