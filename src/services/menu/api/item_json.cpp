#include "services/menu/api/item_json.h"

#include "platform/json/body.h"

#include <boost/json/value.hpp>

namespace cafe::menu::api {

Result<domain::ItemInput> decode_item(std::string_view body, std::optional<std::string_view> path_item_id) {
  auto doc = json::parse(body, {.max_depth = 8, .max_bytes = kItemBodyLimit});
  if (!doc) return doc.error();
  std::vector<FieldError> errors;
  json::ObjectReader r(*doc, "", errors);
  domain::ItemInput in;

  auto item_id = r.string("item_id", {.required = !path_item_id, .min_length = 1, .max_length = 64});
  if (path_item_id) {
    if (item_id && *item_id != *path_item_id) r.add_error("item_id", "must match the item id in the path");
    in.item_id = std::string(*path_item_id);
  } else if (item_id) {
    in.item_id = *item_id;
  }
  in.name = r.string("name", {.required = true, .min_length = 1, .max_length = 120}).value_or("");
  in.description = r.string("description", {.max_length = 1000}).value_or("");
  in.category_id = r.string("category", {.required = true, .min_length = 1, .max_length = 64}).value_or("");
  in.kind = r.string("kind", {.max_length = 16}).value_or("drink");
  in.calories = r.integer("calories", {.min = 0, .max = 5000}).value_or(0);
  in.available = r.boolean("available").value_or(true);
  in.ingredients = r.string_array("ingredients", domain::kMaxListEntries, {.max_length = 64})
                       .value_or(std::vector<std::string>{});
  in.allergens = r.string_array("allergens", domain::kMaxListEntries, {.max_length = 64})
                     .value_or(std::vector<std::string>{});
  in.image_url = r.string("image_url", {.max_length = 2048}).value_or("");
  in.modifier_ids = r.string_array("modifiers", domain::kMaxListEntries, {.max_length = 64})
                        .value_or(std::vector<std::string>{});
  r.array("sizes", 1, 8, false, [&](const boost::json::value& v, std::string path) {
    json::ObjectReader s(v, std::move(path), errors);
    domain::SizeOption size;
    size.size = s.string("size", {.required = true, .min_length = 1, .max_length = 32}).value_or("");
    size.price_delta_cents =
        s.integer("price_delta_cents", {.min = 0, .max = domain::kMaxPriceCents}).value_or(0);
    s.reject_unknown();
    in.sizes.push_back(std::move(size));
  });

  const bool has_cents = r.present("price_cents");
  const bool has_units = r.present("price");
  if (has_cents && has_units) {
    // Both were read, just not accepted together: one error, not two more
    // "unknown field" ones.
    r.ignore("price");
    r.ignore("price_cents");
    r.add_error("price", "send price_cents or price, not both");
  } else if (has_units) {
    r.ignore("price");
    const auto& p = doc->as_object().at("price");
    std::optional<domain::Cents> cents;
    if (p.is_number()) cents = domain::cents_from_units(p.to_number<double>());
    if (cents) {
      in.base_price_cents = *cents;
    } else {
      r.add_error("price", "must be a non-negative amount with at most two decimals");
    }
  } else {
    in.base_price_cents =
        r.integer("price_cents", {.required = true, .min = 1, .max = domain::kMaxPriceCents}).value_or(0);
  }
  r.reject_unknown();
  if (auto ok = json::to_result(std::move(errors), "menu item"); !ok) return ok.error();
  return in;
}

}  // namespace cafe::menu::api
