// The menu's stress scenario, `menu-sync` (API.md): rebuild the whole
// catalog and re-render it for every store, as a seasonal menu launch makes
// every replica do. CPU only: it works on the catalog already in memory and
// neither reads the store nor fills the cache.
#pragma once

#include "platform/service/stress_runner.h"
#include "services/menu/domain/catalog.h"

#include <cstddef>
#include <memory>

namespace cafe::menu {
class MenuService;
}

namespace cafe::menu::stress {

// One sync: a fresh Catalog built from `source`'s rows (as a load builds
// one), then every rendering a store serves — its menu and each item — for
// every store, plus the item array. Returns the bytes rendered.
std::size_t sync_catalog(const domain::Catalog& source);

// The scenario: each iteration syncs the current catalog snapshot
// (kUnavailable before the first load). `service` must outlive the runs.
service::StressScenario menu_sync_scenario(const MenuService& service);

}  // namespace cafe::menu::stress
