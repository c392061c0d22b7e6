#include "services/menu/menu_definition.h"

#include "platform/bus/outbox_relay.h"
#include "platform/bus/stream_tail.h"
#include "platform/service/stress_runner.h"
#include "platform/service/task_group.h"
#include "services/menu/api/routes.h"
#include "services/menu/catalog_events.h"
#include "services/menu/menu_config.h"
#include "services/menu/menu_service.h"
#include "services/menu/store/catalog_store.h"
#include "services/menu/store/schema.h"
#include "services/menu/stress/menu_sync.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

namespace cafe::menu {
namespace {

namespace asio = boost::asio;

class Menu final : public service::Service {
 public:
  Menu(service::ServiceContext& context, const MenuConfig& config)
      : context_(context),
        refresh_interval_(context.has_bus() ? config.refresh_interval_with_bus : config.refresh_interval),
        outbox_(&context.clock()),
        store_(context.database(), catalog_events(context, outbox_)),
        menu_(store_, context.cache(),
              MenuOptions{.cache_ttl = config.cache_ttl,
                          .store_limit = &context.dependency_limit("store"),
                          .committed = committed(context)}) {}

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
    if (context.has_bus()) {
      auto followed = context.tasks().spawn(context.executor(0), "catalog-follower",
                                            [this]() -> asio::awaitable<void> { co_await follow_catalog(); });
      if (!followed) return followed;
    }
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
  static store::CatalogStore::VersionEvents catalog_events(service::ServiceContext& context,
                                                           const bus::Outbox& outbox) {
    if (!context.has_bus()) return {};
    return [&outbox](sql::Transaction& tx, std::int64_t version) {
      return add_catalog_changed(outbox, tx, version);
    };
  }
  static std::function<void()> committed(service::ServiceContext& context) {
    if (!context.has_bus()) return {};
    return [relay = &context.outbox_relay()] { relay->notify(); };
  }

  // Every replica reloads on CatalogChanged, and after a bus outage (what
  // it missed is unknown).
  asio::awaitable<void> follow_catalog() {
    bus::Bus& bus = context_.bus();
    for (;;) {
      auto declared = co_await bus.declare_stream(std::string(kCatalogStream),
                                                  {.max_age = std::chrono::hours(1), .max_bytes = 1u << 20},
                                                  Deadline::after(std::chrono::seconds(5)));
      if (declared) break;
      context_.log(telemetry::Level::kWarn, "catalog_stream_unavailable",
                   {{"detail", std::string_view(declared.error().detail)}});
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::seconds(1));
      co_await pause.async_wait(asio::use_awaitable);
    }
    co_await bus::tail_stream(bus, {.stream = std::string(kCatalogStream)},
                              [this](const std::vector<bus::StreamRecord>&) -> asio::awaitable<void> {
                                auto refreshed = co_await menu_.refresh();
                                if (!refreshed) {
                                  context_.log(telemetry::Level::kWarn, "catalog_refresh_failed",
                                               {{"detail", std::string_view(refreshed.error().detail)}});
                                }
                              });
  }

  service::ServiceContext& context_;
  std::chrono::milliseconds refresh_interval_;
  bus::Outbox outbox_;
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
      .bus = &MenuConfig::bus,
      .bus_tables = {.outbox = true, .inbox = false, .idempotency = false},
      .cluster = {.role = service::ClusterTraits::Role::kService, .replicas = 2},
      .make = make,
  });
}

}  // namespace cafe::menu
