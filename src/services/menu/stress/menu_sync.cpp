#include "services/menu/stress/menu_sync.h"

#include "services/menu/domain/render.h"
#include "services/menu/menu_service.h"

namespace cafe::menu::stress {

std::size_t sync_catalog(const domain::Catalog& source) {
  domain::Catalog rebuilt;
  rebuilt.version = source.version;
  rebuilt.stores = source.stores;
  rebuilt.categories = source.categories;
  rebuilt.items = source.items;
  rebuilt.modifiers = source.modifiers;
  for (const auto& [key, store_item] : source.store_items) rebuilt.store_items.emplace(key, store_item);

  std::size_t bytes = domain::render_item_array(rebuilt, "").size();
  for (const auto& store : rebuilt.stores) {
    bytes += domain::render_menu(rebuilt, store.store_id).size();
    bytes += domain::render_store(store).size();
    for (const auto& item : rebuilt.items) bytes += domain::render_item(rebuilt, item, store.store_id).size();
  }
  return bytes;
}

service::StressScenario menu_sync_scenario(const MenuService& menu) {
  return service::StressScenario{
      .name = "menu-sync",
      .description = "rebuild the whole catalog and re-render it for every store",
      // The reference's defaults (SEED_SPEC: 180 s at 70 %).
      .default_duration_seconds = 180,
      .default_target_cpu = 70,
      .iteration = [&menu]() -> Result<void> {
        auto snapshot = menu.catalog();
        if (!snapshot) return Error::unavailable("the catalog is not loaded yet");
        if (sync_catalog(*snapshot) == 0) return Error::internal("menu-sync rendered nothing");
        return {};
      },
      .compat_path = "/stress/menu-sync",
      .compat_name = "menu_sync_storm",
  };
}

}  // namespace cafe::menu::stress
