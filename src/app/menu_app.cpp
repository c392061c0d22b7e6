#include "app/menu_app.h"

#include "app/backends.h"
#include "platform/faults/faulty_cache.h"
#include "platform/faults/faulty_database.h"
#include "platform/telemetry/log.h"
#include "services/menu/api/routes.h"
#include "services/menu/menu_service.h"
#include "services/menu/store/catalog_store.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace cafe::app {
namespace {

namespace asio = boost::asio;

class MenuApp final : public ServiceApp {
 public:
  MenuApp(std::unique_ptr<sql::Database> db, std::unique_ptr<cache::Cache> cache, const MenuConfig& config)
      : db_(std::move(db)),
        cache_(std::move(cache)),
        store_(*db_),
        service_(
            store_, *cache_,
            menu::MenuOptions{.refresh_interval = config.refresh_interval, .cache_ttl = config.cache_ttl}) {}

  ~MenuApp() override {
    service_.stop();
    db_->close();
  }

  Result<void> initialise() {
    if (auto migrated = store_.migrate(); !migrated) return migrated.error();
    // Start-up may block: nothing is being served yet.
    asio::io_context ctx;
    auto loaded = asio::co_spawn(ctx, service_.refresh(), asio::use_future);
    ctx.run();
    return loaded.get();
  }

  Result<void> add_routes(http::Router& router) override { return menu::api::add_routes(router, service_); }
  bool ready() const override { return service_.ready(); }
  void start(http::Server& server) override {
    asio::co_spawn(server.executor(0), service_.run_refresher(),
                   [](const std::exception_ptr& e) { telemetry::log_coroutine_exit("menu_refresher", e); });
  }
  void stop() override {
    service_.stop();
    cache_->close();
  }

 private:
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<cache::Cache> cache_;
  menu::store::CatalogStore store_;
  menu::MenuService service_;
};

}  // namespace

Result<std::unique_ptr<ServiceApp>> make_menu_app(const AppConfig& config, const std::string& data_dir,
                                                  faults::Registry& faults) {
  auto db = open_database(config.menu.store, data_dir, "menu");
  if (!db) return db.error();
  auto app =
      std::make_unique<MenuApp>(faults::with_faults(std::move(*db), faults),
                                faults::with_faults(open_cache(config.menu.cache), faults), config.menu);
  if (auto ready = app->initialise(); !ready) return ready.error();
  return std::unique_ptr<ServiceApp>(std::move(app));
}

}  // namespace cafe::app
