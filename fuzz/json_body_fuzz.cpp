// Fuzzes request-body parsing: cafe::json::parse with its limits, an
// ObjectReader schema using every reader, and the menu's decode_item.
// Nothing here may crash, throw, or accept a document the limits forbid.
#include "platform/json/body.h"
#include "services/menu/api/item_json.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void read_with_schema(const boost::json::value& doc) {
  std::vector<cafe::FieldError> errors;
  cafe::json::ObjectReader r(doc, "", errors);
  auto name = r.string("name", {.required = true, .min_length = 1, .max_length = 32});
  if (name) check(!name->empty() && name->size() <= 32);
  auto qty = r.integer("qty", {.min = 1, .max = 99});
  if (qty) check(*qty >= 1 && *qty <= 99);
  auto store = r.integer_or_digits("store_id", {.min = 1, .max = 1'000'000});
  if (store) check(*store >= 1 && *store <= 1'000'000);
  r.boolean("hot");
  auto tags = r.string_array("tags", 4, {.max_length = 8});
  if (tags) check(tags->size() <= 4);
  r.array("lines", 1, 8, false, [&](const boost::json::value& v, std::string path) {
    cafe::json::ObjectReader line(v, std::move(path), errors);
    line.string("item_id", {.required = true});
    line.integer("quantity", {.min = 1, .max = 20});
    line.reject_unknown();
  });
  r.object("size", false, [](cafe::json::ObjectReader& s) { s.string("name"); });
  r.ignore("legacy");
  r.reject_unknown();
  auto result = cafe::json::to_result(errors);
  check(result.has_value() == errors.empty());
  if (!result) check(result.error().fields.size() <= 50);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto doc = cafe::json::parse(text, {.max_depth = 8, .max_bytes = 16 * 1024});
  if (doc) {
    check(!text.empty() && text.size() <= 16 * 1024);
    read_with_schema(*doc);
  } else {
    check(doc.error().code == cafe::ErrorCode::kInvalidArgument ||
          doc.error().code == cafe::ErrorCode::kPayloadTooLarge);
  }

  for (std::optional<std::string_view> path_id :
       {std::optional<std::string_view>{}, std::optional<std::string_view>{"latte"}}) {
    auto item = cafe::menu::api::decode_item(text, path_id);
    if (item) {
      check(!item->name.empty() && item->name.size() <= 120);
      check(item->base_price_cents >= 0 && item->base_price_cents <= cafe::menu::domain::kMaxPriceCents);
      check(item->sizes.size() <= 8);
      if (path_id) check(item->item_id == *path_id);
    } else {
      check(item.error().code != cafe::ErrorCode::kInternal);
    }
  }
  return 0;
}
