// The menu on the service kit: its registry entry.
#pragma once

#include "platform/service/definition.h"

namespace cafe::menu {

// "menu": store (sqlite | postgres) and cache (memory | redis) from its
// config section, opened, fault-wrapped and migrated by the kit; the
// catalog is loaded before the factory returns, so a built service is
// ready. Background: the catalog refresher. Stress: menu-sync.
service::Definition definition();

}  // namespace cafe::menu
