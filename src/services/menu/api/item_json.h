// Decoding of admin item bodies (POST and PUT /api/menu/items). Accepts the
// main API's `price_cents` or the reference's `price` in currency units
// (at most two decimals), and the reference's `item_id` in the body.
#pragma once

#include "platform/core/error.h"
#include "services/menu/domain/item_rules.h"

#include <optional>
#include <string_view>

namespace cafe::menu::api {

inline constexpr std::size_t kItemBodyLimit = std::size_t{64} * 1024;

// `path_item_id` is the id from PUT's path: the body's item_id, if present,
// must agree with it.
Result<domain::ItemInput> decode_item(std::string_view body, std::optional<std::string_view> path_item_id);

}  // namespace cafe::menu::api
