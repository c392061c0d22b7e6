// JSON renderings of the catalog. Rendered once per store and catalog
// version and then served from the cache, so the read path does no JSON work.
#pragma once

#include "services/menu/domain/catalog.h"

#include <optional>
#include <string>

namespace cafe::menu::domain {

// GET /api/menu[?store_id=]: categories with items, sizes, modifiers and the
// store's effective prices and availability.
std::string render_menu(const Catalog& catalog, std::optional<StoreId> store);

// GET /api/menu/items/{item_id}.
std::string render_item(const Catalog& catalog, const Item& item, std::optional<StoreId> store);

// GET /api/menu/items: the reference clients' bare array of available items
// (with `id` and `price` in currency units beside the cents fields).
std::string render_item_array(const Catalog& catalog, const std::string& category_filter);

std::string render_store(const Store& store);
// {"stores": [...], "next_cursor": ...}; `after` is the last id of the
// previous page (the opaque cursor decodes to it).
std::string render_stores(const Catalog& catalog, StoreId after, std::size_t limit);

}  // namespace cafe::menu::domain
