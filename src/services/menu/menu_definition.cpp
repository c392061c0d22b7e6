#include "services/menu/menu_definition.h"

#include "platform/service/stress_runner.h"
#include "platform/service/task_group.h"
#include "services/menu/api/routes.h"
#include "services/menu/menu_config.h"
#include "services/menu/menu_service.h"
#include "services/menu/store/catalog_store.h"
#include "services/menu/store/schema.h"
#include "services/menu/stress/menu_sync.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace cafe::menu {
namespace {

namespace asio = boost::asio;

class Menu final : public service::Service {
 public:
  Menu(service::ServiceContext& context, const MenuConfig& config)
      : context_(context),
        refresh_interval_(config.refresh_interval),
        store_(context.database()),
        menu_(store_, context.cache(),
              MenuOptions{.cache_ttl = config.cache_ttl, .store_limit = &context.dependency_limit("store")}) {
  }

  // The first load. Blocking, and fine: nothing is served yet.
  Result<void> load() {
    asio::io_context ctx;
    auto loaded = asio::co_spawn(ctx, menu_.refresh(), asio::use_future);
    ctx.run();
    return loaded.get();
  }

  MenuService& menu() { return menu_; }

  Result<void> add_routes(http::Router& router) override { return api::add_routes(router, menu_); }
  bool ready() const override { return menu_.ready(); }

  Result<void> start(service::ServiceContext& context) override {
    return context.tasks().every(context.executor(0), "menu-refresher", refresh_interval_,
                                 [this]() -> asio::awaitable<void> {
                                   auto refreshed = co_await menu_.refresh();
                                   if (!refreshed) {
                                     context_.log(telemetry::Level::kWarn, "catalog_refresh_failed",
                                                  {{"detail", std::string_view(refreshed.error().detail)}});
                                   }
                                 });
  }

 private:
  service::ServiceContext& context_;
  std::chrono::milliseconds refresh_interval_;
  store::CatalogStore store_;
  MenuService menu_;
};

Result<std::unique_ptr<service::Service>> make(service::ServiceContext& context, const MenuConfig& config) {
  auto menu = std::make_unique<Menu>(context, config);
  if (auto loaded = menu->load(); !loaded) return loaded.error();
  if (auto added = context.stress().add(stress::menu_sync_scenario(menu->menu())); !added)
    return added.error();
  return std::unique_ptr<service::Service>(std::move(menu));
}

}  // namespace

service::Definition definition() {
  return service::define<MenuConfig>({
      .name = "menu",
      .description = "the catalog: items, sizes, modifiers, prices and availability per store",
      .read_config = read_config,
      .database = &MenuConfig::store,
      .migrations = &store::migrations,
      .cache = &MenuConfig::cache,
      .make = make,
  });
}

}  // namespace cafe::menu
