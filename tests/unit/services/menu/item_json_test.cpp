#include "services/menu/api/item_json.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::menu::api {
namespace {

std::vector<std::string> fields_of(const Result<domain::ItemInput>& r) {
  std::vector<std::string> out;
  if (!r) {
    for (const auto& f : r.error().fields) out.push_back(f.field + ": " + f.message);
  }
  return out;
}

TEST(DecodeItem, ReadsEveryField) {
  auto in =
      decode_item(R"({"item_id":"flat-white","name":"Flat White","description":"Velvety","category":"coffee",
    "kind":"drink","price_cents":475,"calories":170,"available":false,"ingredients":["espresso","milk"],
    "allergens":["milk"],"image_url":"/img/fw.png","modifiers":["oat"],
    "sizes":[{"size":"small","price_delta_cents":0},{"size":"large","price_delta_cents":60}]})",
                  std::nullopt);
  ASSERT_TRUE(in) << in.error().detail;
  EXPECT_EQ(in->item_id, "flat-white");
  EXPECT_EQ(in->name, "Flat White");
  EXPECT_EQ(in->description, "Velvety");
  EXPECT_EQ(in->category_id, "coffee");
  EXPECT_EQ(in->base_price_cents, 475);
  EXPECT_EQ(in->calories, 170);
  EXPECT_FALSE(in->available);
  EXPECT_EQ(in->ingredients, (std::vector<std::string>{"espresso", "milk"}));
  EXPECT_EQ(in->allergens, std::vector<std::string>{"milk"});
  EXPECT_EQ(in->image_url, "/img/fw.png");
  EXPECT_EQ(in->modifier_ids, std::vector<std::string>{"oat"});
  ASSERT_EQ(in->sizes.size(), 2u);
  EXPECT_EQ(in->sizes[1].size, "large");
  EXPECT_EQ(in->sizes[1].price_delta_cents, 60);
}

TEST(DecodeItem, AppliesDefaultsForOptionalFields) {
  auto in = decode_item(R"({"item_id":"tea","name":"Tea","category":"tea","price_cents":300})", std::nullopt);
  ASSERT_TRUE(in) << in.error().detail;
  EXPECT_EQ(in->kind, "drink");
  EXPECT_TRUE(in->available);
  EXPECT_TRUE(in->sizes.empty());
  EXPECT_TRUE(in->modifier_ids.empty());
}

TEST(DecodeItem, AcceptsThePriceInCurrencyUnits) {
  auto in = decode_item(R"({"item_id":"x","name":"X","category":"c","price":5.75})", std::nullopt);
  ASSERT_TRUE(in) << in.error().detail;
  EXPECT_EQ(in->base_price_cents, 575);
  auto whole = decode_item(R"({"item_id":"x","name":"X","category":"c","price":5})", std::nullopt);
  ASSERT_TRUE(whole) << whole.error().detail;
  EXPECT_EQ(whole->base_price_cents, 500);
}

TEST(DecodeItem, RefusesAUnitPriceWithFinerPrecisionOrTheWrongType) {
  for (const char* price : {"5.755", "-1", "\"5.75\"", "1e400", "null"}) {
    auto in = decode_item(std::string(R"({"item_id":"x","name":"X","category":"c","price":)") + price + "}",
                          std::nullopt);
    ASSERT_FALSE(in) << price;
    EXPECT_EQ(fields_of(in),
              std::vector<std::string>{"price: must be a non-negative amount with at most two decimals"})
        << price;
  }
}

TEST(DecodeItem, RefusesBothPriceForms) {
  auto in = decode_item(R"({"item_id":"x","name":"X","category":"c","price":5.75,"price_cents":575})",
                        std::nullopt);
  ASSERT_FALSE(in);
  EXPECT_EQ(fields_of(in), std::vector<std::string>{"price: send price_cents or price, not both"});
}

TEST(DecodeItem, RequiresIdNameCategoryAndPrice) {
  auto in = decode_item("{}", std::nullopt);
  ASSERT_FALSE(in);
  const std::vector<std::string> expected = {"item_id: is required", "name: is required",
                                             "category: is required", "price_cents: is required"};
  EXPECT_EQ(fields_of(in), expected);
  EXPECT_EQ(in.error().detail.rfind("menu item has 4 invalid fields", 0), 0u) << in.error().detail;
}

TEST(DecodeItem, TakesTheIdFromThePathAndChecksAgreement) {
  auto from_path = decode_item(R"({"name":"X","category":"c","price_cents":100})", "latte");
  ASSERT_TRUE(from_path) << from_path.error().detail;
  EXPECT_EQ(from_path->item_id, "latte");
  auto same = decode_item(R"({"item_id":"latte","name":"X","category":"c","price_cents":100})", "latte");
  EXPECT_TRUE(same);
  auto mismatch = decode_item(R"({"item_id":"mocha","name":"X","category":"c","price_cents":100})", "latte");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(fields_of(mismatch), std::vector<std::string>{"item_id: must match the item id in the path"});
}

TEST(DecodeItem, RejectsUnknownFieldsAtEveryLevel) {
  auto in = decode_item(
      R"({"item_id":"x","name":"X","category":"c","price_cents":100,"prise":1,"sizes":[{"size":"s","colour":"red"}]})",
      std::nullopt);
  ASSERT_FALSE(in);
  const std::vector<std::string> expected = {"sizes[0].colour: unknown field", "prise: unknown field"};
  EXPECT_EQ(fields_of(in), expected);
}

TEST(DecodeItem, ReportsWrongTypesAndBoundsTogether) {
  auto in = decode_item(R"({"item_id":"x","name":"","category":5,"price_cents":100001,"calories":-1,
    "available":"yes","ingredients":"milk","sizes":[],"modifiers":[1]})",
                        std::nullopt);
  ASSERT_FALSE(in);
  const std::vector<std::string> expected = {
      "name: must not be empty",
      "category: expected a string, got an integer",
      "calories: must be between 0 and 5000",
      "available: expected a boolean, got a string",
      "ingredients: expected an array, got a string",
      "modifiers[0]: expected a string, got an integer",
      "sizes: must have between 1 and 8 items, got 0",
      "price_cents: must be between 1 and 100000",
  };
  EXPECT_EQ(fields_of(in), expected);
}

TEST(DecodeItem, BoundsListsAndStrings) {
  std::string many = "[";
  for (int i = 0; i < 33; ++i) many += (i ? ",\"a" : "\"a") + std::to_string(i) + "\"";
  many += "]";
  auto in = decode_item(R"({"item_id":"x","name":")" + std::string(121, 'n') +
                            R"(","category":"c","price_cents":100,"allergens":)" + many + "}",
                        std::nullopt);
  ASSERT_FALSE(in);
  const std::vector<std::string> expected = {"name: must be at most 120 bytes",
                                             "allergens: must have between 0 and 32 items, got 33"};
  EXPECT_EQ(fields_of(in), expected);
}

TEST(DecodeItem, RejectsMalformedAndNonObjectBodies) {
  EXPECT_FALSE(decode_item("", std::nullopt));
  EXPECT_FALSE(decode_item("{\"name\":", std::nullopt));
  auto array = decode_item("[]", std::nullopt);
  ASSERT_FALSE(array);
  EXPECT_EQ(fields_of(array), std::vector<std::string>{"$: expected an object, got an array"});
  auto big = decode_item("\"" + std::string(kItemBodyLimit, 'x') + "\"", std::nullopt);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kPayloadTooLarge);
}

}  // namespace
}  // namespace cafe::menu::api
