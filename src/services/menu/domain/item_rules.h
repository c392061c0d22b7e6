// Rules for creating and changing menu items (admin writes). Pure.
#pragma once

#include "platform/core/error.h"
#include "services/menu/domain/catalog.h"

#include <optional>
#include <string>
#include <vector>

namespace cafe::menu::domain {

inline constexpr Cents kMaxPriceCents = 100'000;  // $1,000: a typo guard, not a business limit
inline constexpr std::size_t kMaxListEntries = 32;

// The admin's description of an item, as decoded from a request body.
struct ItemInput {
  std::string item_id;
  std::string name;
  std::string description;
  std::string category_id;
  std::string kind = "drink";
  Cents base_price_cents = 0;
  std::int64_t calories = 0;
  bool available = true;
  std::vector<std::string> ingredients;
  std::vector<std::string> allergens;
  std::string image_url;
  std::vector<SizeOption> sizes;          // empty: the default sizes for its kind
  std::vector<std::string> modifier_ids;  // empty: none
};

// Standard sizes: drinks tall +0, grande +50, venti +100; food one size.
std::vector<SizeOption> default_sizes(const std::string& kind);

// 1..64 characters of [a-z0-9_-], starting with a letter or digit.
bool is_valid_item_id(const std::string& id);

// Checks an input against the rules and the current catalog; each problem
// is one FieldError. Fills in default sizes.
std::vector<FieldError> validate_item(ItemInput& input, const Catalog& catalog);

// Converts an amount in currency units with at most two decimals (the
// reference's `price: 5.75`) to cents; nullopt when it has finer precision,
// is negative or is not finite.
std::optional<Cents> cents_from_units(double units);

}  // namespace cafe::menu::domain
