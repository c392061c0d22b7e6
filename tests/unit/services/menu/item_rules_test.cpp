#include "services/menu/domain/item_rules.h"

#include "test_catalog.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cafe::menu::domain {
namespace {

ItemInput valid_input() {
  ItemInput in;
  in.item_id = "flat-white_2";
  in.name = "Flat White";
  in.category_id = "coffee";
  in.kind = "drink";
  in.base_price_cents = 475;
  in.calories = 170;
  in.modifier_ids = {"oat"};
  return in;
}

std::vector<std::string> describe(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + ": " + e.message);
  return out;
}

TEST(ItemRules, AcceptsAValidItemAndFillsDefaultDrinkSizes) {
  const Catalog catalog = testing::sample_catalog();
  ItemInput in = valid_input();
  EXPECT_TRUE(validate_item(in, catalog).empty());
  ASSERT_EQ(in.sizes.size(), 3u);
  EXPECT_EQ(in.sizes[0].size, "tall");
  EXPECT_EQ(in.sizes[1].price_delta_cents, 50);
  EXPECT_EQ(in.sizes[2].price_delta_cents, 100);
}

TEST(ItemRules, FoodGetsOneDefaultSize) {
  ItemInput in = valid_input();
  in.kind = "food";
  EXPECT_TRUE(validate_item(in, testing::sample_catalog()).empty());
  ASSERT_EQ(in.sizes.size(), 1u);
  EXPECT_EQ(in.sizes[0].size, "regular");
}

TEST(ItemRules, KeepsExplicitSizes) {
  ItemInput in = valid_input();
  in.sizes = {{"small", 0}, {"large", 80}};
  EXPECT_TRUE(validate_item(in, testing::sample_catalog()).empty());
  EXPECT_EQ(in.sizes.size(), 2u);
}

TEST(ItemRules, ValidatesItemIds) {
  EXPECT_TRUE(is_valid_item_id("a"));
  EXPECT_TRUE(is_valid_item_id("9-lives_x"));
  EXPECT_TRUE(is_valid_item_id(std::string(64, 'a')));
  for (const std::string& bad :
       {std::string(), std::string(65, 'a'), std::string("_x"), std::string("-x"), std::string("Latte"),
        std::string("a b"), std::string("a/b"), std::string("caf\xC3\xA9")}) {
    EXPECT_FALSE(is_valid_item_id(bad)) << bad;
  }
}

TEST(ItemRules, ReportsEveryFieldError) {
  const Catalog catalog = testing::sample_catalog();
  ItemInput in;
  in.item_id = "Bad Id";
  in.name = "";
  in.kind = "merch";
  in.category_id = "soup";
  in.base_price_cents = 0;
  in.calories = 5001;
  in.sizes = {{"", 10}, {"big", -1}, {"big", 100'001}};
  in.modifier_ids = {"oat", "oat", "unicorn"};
  const std::vector<std::string> expected = {
      "item_id: must be 1-64 characters of a-z, 0-9, '_' or '-', starting with a letter or digit",
      "name: must not be empty",
      "kind: must be drink or food",
      "category: unknown category 'soup'; known: coffee, bakery, tea",
      "price_cents: must be between 1 and 100000",
      "sizes[0].size: must be 1-32 characters",
      "sizes[1].price_delta_cents: must be between 0 and 100000",
      "sizes[2].size: duplicate size 'big'",
      "sizes[2].price_delta_cents: must be between 0 and 100000",
      "sizes[0].price_delta_cents: the smallest size must cost the base price (delta 0)",
      "modifiers[1]: duplicate modifier 'oat'",
      "modifiers[2]: unknown modifier 'unicorn'",
      "calories: must be between 0 and 5000",
  };
  EXPECT_EQ(describe(validate_item(in, catalog)), expected);
}

TEST(ItemRules, PriceBoundsAreInclusive) {
  const Catalog catalog = testing::sample_catalog();
  ItemInput in = valid_input();
  in.base_price_cents = kMaxPriceCents;
  EXPECT_TRUE(validate_item(in, catalog).empty());
  in.base_price_cents = kMaxPriceCents + 1;
  EXPECT_EQ(describe(validate_item(in, catalog)),
            std::vector<std::string>{"price_cents: must be between 1 and 100000"});
  in.base_price_cents = -5;
  EXPECT_EQ(validate_item(in, catalog).size(), 1u);
}

TEST(ItemRules, EmptyCategoryIsNotCheckedAgainstTheCatalog) {
  ItemInput in = valid_input();
  in.category_id.clear();
  EXPECT_TRUE(validate_item(in, testing::sample_catalog()).empty());
}

TEST(CentsFromUnits, ConvertsAmountsWithAtMostTwoDecimals) {
  EXPECT_EQ(cents_from_units(5.75), 575);
  EXPECT_EQ(cents_from_units(0.1), 10);
  EXPECT_EQ(cents_from_units(0.29), 29);  // 28.999999999999996 in binary
  EXPECT_EQ(cents_from_units(4), 400);
  EXPECT_EQ(cents_from_units(0), 0);
  EXPECT_EQ(cents_from_units(1000), 100'000);
}

TEST(CentsFromUnits, RefusesFinerPrecisionNegativeNonFiniteAndHugeAmounts) {
  EXPECT_FALSE(cents_from_units(5.755));
  EXPECT_FALSE(cents_from_units(0.001));
  EXPECT_FALSE(cents_from_units(-1));
  EXPECT_FALSE(cents_from_units(-0.01));
  EXPECT_FALSE(cents_from_units(std::nan("")));
  EXPECT_FALSE(cents_from_units(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(cents_from_units(1000.01));
  EXPECT_FALSE(cents_from_units(1e300));
}

}  // namespace
}  // namespace cafe::menu::domain
