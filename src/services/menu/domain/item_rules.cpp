#include "services/menu/domain/item_rules.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace cafe::menu::domain {

std::vector<SizeOption> default_sizes(const std::string& kind) {
  if (kind == "drink") return {{"tall", 0}, {"grande", 50}, {"venti", 100}};
  return {{"regular", 0}};
}

bool is_valid_item_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  return std::all_of(id.begin(), id.end(), ok) && id.front() != '_' && id.front() != '-';
}

std::vector<FieldError> validate_item(ItemInput& in, const Catalog& catalog) {
  std::vector<FieldError> errors;
  if (!is_valid_item_id(in.item_id)) {
    errors.push_back(
        {"item_id", "must be 1-64 characters of a-z, 0-9, '_' or '-', starting with a letter or digit"});
  }
  if (in.name.empty()) errors.push_back({"name", "must not be empty"});
  if (in.kind != "drink" && in.kind != "food") errors.push_back({"kind", "must be drink or food"});
  if (!in.category_id.empty() &&
      std::none_of(catalog.categories.begin(), catalog.categories.end(),
                   [&](const Category& c) { return c.category_id == in.category_id; })) {
    std::string known;
    for (const auto& c : catalog.categories) known += (known.empty() ? "" : ", ") + c.category_id;
    errors.push_back({"category", "unknown category '" + in.category_id + "'; known: " + known});
  }
  if (in.base_price_cents <= 0 || in.base_price_cents > kMaxPriceCents) {
    errors.push_back({"price_cents", "must be between 1 and " + std::to_string(kMaxPriceCents)});
  }
  if (in.sizes.empty()) in.sizes = default_sizes(in.kind);
  std::set<std::string> seen_sizes;
  for (std::size_t i = 0; i < in.sizes.size(); ++i) {
    const auto& s = in.sizes[i];
    const std::string path = "sizes[" + std::to_string(i) + "]";
    if (s.size.empty() || s.size.size() > 32) errors.push_back({path + ".size", "must be 1-32 characters"});
    if (!seen_sizes.insert(s.size).second)
      errors.push_back({path + ".size", "duplicate size '" + s.size + "'"});
    if (s.price_delta_cents < 0 || s.price_delta_cents > kMaxPriceCents) {
      errors.push_back(
          {path + ".price_delta_cents", "must be between 0 and " + std::to_string(kMaxPriceCents)});
    }
  }
  if (!in.sizes.empty() && in.sizes.front().price_delta_cents != 0) {
    errors.push_back({"sizes[0].price_delta_cents", "the smallest size must cost the base price (delta 0)"});
  }
  std::set<std::string> seen_modifiers;
  for (std::size_t i = 0; i < in.modifier_ids.size(); ++i) {
    const std::string path = "modifiers[" + std::to_string(i) + "]";
    if (!catalog.find_modifier(in.modifier_ids[i])) {
      errors.push_back({path, "unknown modifier '" + in.modifier_ids[i] + "'"});
    } else if (!seen_modifiers.insert(in.modifier_ids[i]).second) {
      errors.push_back({path, "duplicate modifier '" + in.modifier_ids[i] + "'"});
    }
  }
  if (in.calories < 0 || in.calories > 5000) errors.push_back({"calories", "must be between 0 and 5000"});
  return errors;
}

std::optional<Cents> cents_from_units(double units) {
  if (!std::isfinite(units) || units < 0 || units > static_cast<double>(kMaxPriceCents) / 100.0)
    return std::nullopt;
  const double scaled = units * 100.0;
  const double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-6) return std::nullopt;
  return static_cast<Cents>(rounded);
}

}  // namespace cafe::menu::domain
