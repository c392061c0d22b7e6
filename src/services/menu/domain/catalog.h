// The menu's domain model: stores, categories, items with sizes and
// modifiers, and per-store prices and availability. Plain data; money is
// integer cents. A Catalog is an immutable snapshot of one catalog version.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::menu::domain {

using Cents = std::int64_t;
using StoreId = std::int64_t;

struct Store {
  StoreId store_id = 0;
  std::string name;
  std::string city;
  std::int64_t tax_rate_bp = 0;  // basis points: 1010 = 10.10 %
  std::string status;            // "active" | "closed"
  std::string opens;             // "06:00", local time
  std::string closes;            // "20:00"
  std::string timezone;          // "America/Los_Angeles"
};

struct Category {
  std::string category_id;
  std::string name;
  std::int64_t position = 0;
};

struct SizeOption {
  std::string size;  // "tall" | "grande" | "venti"
  Cents price_delta_cents = 0;
};

struct Modifier {
  std::string modifier_id;
  std::string name;
  Cents price_cents = 0;
};

struct Item {
  std::string item_id;
  std::string name;
  std::string description;
  std::string category_id;
  std::string kind;            // "drink" | "food"
  Cents base_price_cents = 0;  // at the smallest size
  std::int64_t calories = 0;
  bool available = true;
  std::vector<std::string> ingredients;
  std::vector<std::string> allergens;
  std::string image_url;
  std::vector<SizeOption> sizes;          // ordered smallest first; never empty
  std::vector<std::string> modifier_ids;  // applicable modifiers
  std::string updated_at;
};

// A store's override of one item: its own base price, or unavailability.
struct StoreItem {
  std::optional<Cents> price_cents;
  bool available = true;
};

struct Catalog {
  std::int64_t version = 0;
  std::vector<Store> stores;
  std::vector<Category> categories;  // ordered by position
  std::vector<Item> items;           // ordered by category position, then name
  std::vector<Modifier> modifiers;
  std::map<std::pair<StoreId, std::string>, StoreItem> store_items;

  const Store* find_store(StoreId id) const;
  const Item* find_item(const std::string& item_id) const;
  const Modifier* find_modifier(const std::string& modifier_id) const;
};

// What one store charges for an item and whether it sells it. Without a
// store, the catalog's base price and availability.
struct EffectiveItem {
  Cents base_price_cents;
  bool available;
};
EffectiveItem effective(const Catalog& catalog, const Item& item, std::optional<StoreId> store);

}  // namespace cafe::menu::domain
