// A small catalog shared by the menu domain tests: two stores (one closed),
// two categories, three items and two modifiers.
#pragma once

#include "services/menu/domain/catalog.h"

namespace cafe::menu::domain::testing {

inline Item make_item(std::string id, std::string name, std::string category, Cents price) {
  Item item;
  item.item_id = std::move(id);
  item.name = std::move(name);
  item.category_id = std::move(category);
  item.kind = "drink";
  item.base_price_cents = price;
  item.sizes = {{"tall", 0}, {"grande", 50}, {"venti", 100}};
  item.updated_at = "2024-05-01T08:00:00Z";
  return item;
}

inline Catalog sample_catalog() {
  Catalog c;
  c.version = 7;
  c.stores = {
      {1, "Pike Place", "Seattle", 1010, "active", "06:00", "20:00", "America/Los_Angeles"},
      {2, "Closed Corner", "Portland", 0, "closed", "07:00", "19:00", "America/Los_Angeles"},
      {3, "Union Square", "San Francisco", 863, "active", "06:30", "21:00", "America/Los_Angeles"},
  };
  c.categories = {{"coffee", "Coffee", 1}, {"bakery", "Bakery", 2}, {"tea", "Tea", 3}};
  Item latte = make_item("latte", "Caffe Latte", "coffee", 450);
  latte.modifier_ids = {"oat", "shot", "gone"};
  latte.ingredients = {"espresso", "milk"};
  latte.allergens = {"milk"};
  latte.calories = 190;
  Item mocha = make_item("mocha", "Mocha", "coffee", 525);
  mocha.available = false;
  Item croissant = make_item("croissant", "Croissant", "bakery", 375);
  croissant.kind = "food";
  croissant.sizes = {{"regular", 0}};
  c.items = {latte, mocha, croissant};
  c.modifiers = {{"oat", "Oat milk", 70}, {"shot", "Extra shot", 90}};
  c.store_items[{1, "latte"}] = StoreItem{495, true};
  c.store_items[{3, "latte"}] = StoreItem{std::nullopt, false};
  c.store_items[{3, "mocha"}] = StoreItem{600, true};
  return c;
}

}  // namespace cafe::menu::domain::testing
