#include "services/menu/domain/render.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cafe::menu::domain {
namespace {

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

boost::json::object item_json(const Catalog& catalog, const Item& item, std::optional<StoreId> store) {
  const auto eff = effective(catalog, item, store);
  boost::json::array sizes;
  for (const auto& s : item.sizes) {
    sizes.push_back(
        boost::json::object{{"size", s.size}, {"price_cents", eff.base_price_cents + s.price_delta_cents}});
  }
  boost::json::array modifiers;
  for (const auto& id : item.modifier_ids) {
    if (const Modifier* m = catalog.find_modifier(id)) {
      modifiers.push_back(boost::json::object{
          {"modifier_id", m->modifier_id}, {"name", m->name}, {"price_cents", m->price_cents}});
    }
  }
  boost::json::object out{{"item_id", item.item_id},
                          {"name", item.name},
                          {"description", item.description},
                          {"category", item.category_id},
                          {"kind", item.kind},
                          {"price_cents", eff.base_price_cents},
                          {"currency", "USD"},
                          {"available", eff.available},
                          {"calories", item.calories},
                          {"sizes", std::move(sizes)},
                          {"modifiers", std::move(modifiers)},
                          {"ingredients", strings(item.ingredients)},
                          {"allergens", strings(item.allergens)},
                          {"image_url", item.image_url},
                          {"updated_at", item.updated_at}};
  if (store) out["store_id"] = *store;
  return out;
}

boost::json::object store_json(const Store& s) {
  return {{"store_id", s.store_id}, {"name", s.name},   {"city", s.city},     {"tax_rate_bp", s.tax_rate_bp},
          {"status", s.status},     {"opens", s.opens}, {"closes", s.closes}, {"timezone", s.timezone}};
}

}  // namespace

std::string render_menu(const Catalog& catalog, std::optional<StoreId> store) {
  boost::json::array categories;
  for (const auto& c : catalog.categories) {
    boost::json::array items;
    for (const auto& item : catalog.items) {
      if (item.category_id == c.category_id) items.push_back(item_json(catalog, item, store));
    }
    if (items.empty()) continue;
    categories.push_back(
        boost::json::object{{"category_id", c.category_id}, {"name", c.name}, {"items", std::move(items)}});
  }
  boost::json::object out;
  if (store) {
    out["store_id"] = *store;
    if (const Store* s = catalog.find_store(*store)) out["store_name"] = s->name;
  } else {
    out["store_id"] = nullptr;
  }
  out["catalog_version"] = catalog.version;
  out["currency"] = "USD";
  out["categories"] = std::move(categories);
  return boost::json::serialize(out);
}

std::string render_item(const Catalog& catalog, const Item& item, std::optional<StoreId> store) {
  return boost::json::serialize(item_json(catalog, item, store));
}

std::string render_item_array(const Catalog& catalog, const std::string& category_filter) {
  boost::json::array out;
  for (const auto& item : catalog.items) {
    if (!item.available) continue;
    if (!category_filter.empty() && item.category_id != category_filter) continue;
    auto obj = item_json(catalog, item, std::nullopt);
    obj["id"] = item.item_id;
    obj["price"] = static_cast<double>(item.base_price_cents) / 100.0;
    out.push_back(std::move(obj));
  }
  return boost::json::serialize(out);
}

std::string render_store(const Store& store) {
  return boost::json::serialize(store_json(store));
}

std::string render_stores(const Catalog& catalog, StoreId after, std::size_t limit) {
  boost::json::array stores;
  StoreId last = 0;
  bool more = false;
  for (const auto& s : catalog.stores) {
    if (s.store_id <= after) continue;
    if (stores.size() == limit) {
      more = true;
      break;
    }
    stores.push_back(store_json(s));
    last = s.store_id;
  }
  boost::json::object out{{"stores", std::move(stores)}};
  if (more) {
    out["next_cursor"] = "s" + std::to_string(last);
  } else {
    out["next_cursor"] = nullptr;
  }
  return boost::json::serialize(out);
}

}  // namespace cafe::menu::domain
