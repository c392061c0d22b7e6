#include "services/menu/domain/catalog.h"

#include "test_catalog.h"

#include <gtest/gtest.h>

namespace cafe::menu::domain {
namespace {

TEST(Catalog, FindsStoresItemsAndModifiersById) {
  const Catalog c = testing::sample_catalog();
  ASSERT_NE(c.find_store(3), nullptr);
  EXPECT_EQ(c.find_store(3)->name, "Union Square");
  EXPECT_EQ(c.find_store(99), nullptr);
  ASSERT_NE(c.find_item("mocha"), nullptr);
  EXPECT_EQ(c.find_item("Mocha"), nullptr);
  ASSERT_NE(c.find_modifier("oat"), nullptr);
  EXPECT_EQ(c.find_modifier("gone"), nullptr);
}

TEST(EffectivePrice, WithoutAStoreIsTheCatalogBase) {
  const Catalog c = testing::sample_catalog();
  const auto eff = effective(c, *c.find_item("latte"), std::nullopt);
  EXPECT_EQ(eff.base_price_cents, 450);
  EXPECT_TRUE(eff.available);
  EXPECT_FALSE(effective(c, *c.find_item("mocha"), std::nullopt).available);
}

TEST(EffectivePrice, StoreOverrideReplacesThePrice) {
  const Catalog c = testing::sample_catalog();
  const auto eff = effective(c, *c.find_item("latte"), 1);
  EXPECT_EQ(eff.base_price_cents, 495);
  EXPECT_TRUE(eff.available);
}

TEST(EffectivePrice, StoreWithoutOverrideUsesTheBase) {
  const Catalog c = testing::sample_catalog();
  const auto eff = effective(c, *c.find_item("croissant"), 1);
  EXPECT_EQ(eff.base_price_cents, 375);
  EXPECT_TRUE(eff.available);
}

TEST(EffectivePrice, StoreCanWithdrawAnItemButNotReviveOneWithdrawnEverywhere) {
  const Catalog c = testing::sample_catalog();
  const auto latte = effective(c, *c.find_item("latte"), 3);
  EXPECT_FALSE(latte.available);
  EXPECT_EQ(latte.base_price_cents, 450);
  // mocha is unavailable in the catalog; a store entry saying available
  // does not bring it back, though its price applies.
  const auto mocha = effective(c, *c.find_item("mocha"), 3);
  EXPECT_FALSE(mocha.available);
  EXPECT_EQ(mocha.base_price_cents, 600);
}

TEST(EffectivePrice, ClosedStoreSellsNothing) {
  const Catalog c = testing::sample_catalog();
  for (const auto& item : c.items) EXPECT_FALSE(effective(c, item, 2).available) << item.item_id;
}

TEST(EffectivePrice, UnknownStoreFallsBackToTheCatalog) {
  const Catalog c = testing::sample_catalog();
  const auto eff = effective(c, *c.find_item("latte"), 42);
  EXPECT_EQ(eff.base_price_cents, 450);
  EXPECT_TRUE(eff.available);
}

}  // namespace
}  // namespace cafe::menu::domain
