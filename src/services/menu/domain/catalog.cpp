#include "services/menu/domain/catalog.h"

#include <algorithm>

namespace cafe::menu::domain {

const Store* Catalog::find_store(StoreId id) const {
  auto it = std::find_if(stores.begin(), stores.end(), [&](const Store& s) { return s.store_id == id; });
  return it == stores.end() ? nullptr : &*it;
}

const Item* Catalog::find_item(const std::string& item_id) const {
  auto it = std::find_if(items.begin(), items.end(), [&](const Item& i) { return i.item_id == item_id; });
  return it == items.end() ? nullptr : &*it;
}

const Modifier* Catalog::find_modifier(const std::string& modifier_id) const {
  auto it = std::find_if(modifiers.begin(), modifiers.end(),
                         [&](const Modifier& m) { return m.modifier_id == modifier_id; });
  return it == modifiers.end() ? nullptr : &*it;
}

EffectiveItem effective(const Catalog& catalog, const Item& item, std::optional<StoreId> store) {
  EffectiveItem out{item.base_price_cents, item.available};
  if (!store) return out;
  const Store* s = catalog.find_store(*store);
  if (s && s->status != "active") out.available = false;
  auto it = catalog.store_items.find({*store, item.item_id});
  if (it != catalog.store_items.end()) {
    if (it->second.price_cents) out.base_price_cents = *it->second.price_cents;
    out.available = out.available && it->second.available;
  }
  return out;
}

}  // namespace cafe::menu::domain
