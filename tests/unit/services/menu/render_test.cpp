#include "services/menu/domain/render.h"

#include "test_catalog.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace cafe::menu::domain {
namespace {

boost::json::value parsed(const std::string& text) {
  return boost::json::parse(text);
}

const boost::json::object& item_named(const boost::json::object& menu, std::string_view category,
                                      std::string_view item_id) {
  for (const auto& c : menu.at("categories").as_array()) {
    if (c.at("category_id").as_string() != category) continue;
    for (const auto& i : c.at("items").as_array()) {
      if (i.at("item_id").as_string() == item_id) return i.as_object();
    }
  }
  static const boost::json::object kNone;
  ADD_FAILURE() << "no item " << item_id << " in " << category;
  return kNone;
}

TEST(RenderMenu, HasCategoriesInOrderWithTheirItemsAndSkipsEmptyOnes) {
  const auto menu = parsed(render_menu(testing::sample_catalog(), std::nullopt)).as_object();
  EXPECT_TRUE(menu.at("store_id").is_null());
  EXPECT_FALSE(menu.contains("store_name"));
  EXPECT_EQ(menu.at("catalog_version").as_int64(), 7);
  EXPECT_EQ(menu.at("currency").as_string(), "USD");
  const auto& categories = menu.at("categories").as_array();
  ASSERT_EQ(categories.size(), 2u);  // "tea" has no items
  EXPECT_EQ(categories[0].at("category_id").as_string(), "coffee");
  EXPECT_EQ(categories[0].at("name").as_string(), "Coffee");
  EXPECT_EQ(categories[0].at("items").as_array().size(), 2u);
  EXPECT_EQ(categories[1].at("category_id").as_string(), "bakery");
}

TEST(RenderMenu, ItemsCarryEveryFieldWithCatalogPrices) {
  const auto menu = parsed(render_menu(testing::sample_catalog(), std::nullopt)).as_object();
  const auto& latte = item_named(menu, "coffee", "latte");
  EXPECT_EQ(latte.at("name").as_string(), "Caffe Latte");
  EXPECT_EQ(latte.at("category").as_string(), "coffee");
  EXPECT_EQ(latte.at("kind").as_string(), "drink");
  EXPECT_EQ(latte.at("price_cents").as_int64(), 450);
  EXPECT_EQ(latte.at("currency").as_string(), "USD");
  EXPECT_TRUE(latte.at("available").as_bool());
  EXPECT_EQ(latte.at("calories").as_int64(), 190);
  EXPECT_EQ(latte.at("updated_at").as_string(), "2024-05-01T08:00:00Z");
  EXPECT_EQ(latte.at("ingredients").as_array().size(), 2u);
  EXPECT_EQ(latte.at("allergens").as_array().at(0).as_string(), "milk");
  EXPECT_FALSE(latte.contains("store_id"));
  const auto& sizes = latte.at("sizes").as_array();
  ASSERT_EQ(sizes.size(), 3u);
  EXPECT_EQ(sizes[0].at("size").as_string(), "tall");
  EXPECT_EQ(sizes[0].at("price_cents").as_int64(), 450);
  EXPECT_EQ(sizes[2].at("price_cents").as_int64(), 550);
  // A modifier id missing from the catalog is left out, not rendered empty.
  const auto& modifiers = latte.at("modifiers").as_array();
  ASSERT_EQ(modifiers.size(), 2u);
  EXPECT_EQ(modifiers[0].at("modifier_id").as_string(), "oat");
  EXPECT_EQ(modifiers[0].at("price_cents").as_int64(), 70);
  EXPECT_FALSE(item_named(menu, "coffee", "mocha").at("available").as_bool());
}

TEST(RenderMenu, PerStoreUsesEffectivePricesAndAvailability) {
  const Catalog c = testing::sample_catalog();
  const auto pike = parsed(render_menu(c, 1)).as_object();
  EXPECT_EQ(pike.at("store_id").as_int64(), 1);
  EXPECT_EQ(pike.at("store_name").as_string(), "Pike Place");
  const auto& latte = item_named(pike, "coffee", "latte");
  EXPECT_EQ(latte.at("price_cents").as_int64(), 495);
  EXPECT_EQ(latte.at("sizes").as_array()[1].at("price_cents").as_int64(), 545);
  EXPECT_EQ(latte.at("store_id").as_int64(), 1);

  const auto union_square = parsed(render_menu(c, 3)).as_object();
  EXPECT_FALSE(item_named(union_square, "coffee", "latte").at("available").as_bool());
  EXPECT_EQ(item_named(union_square, "coffee", "mocha").at("price_cents").as_int64(), 600);

  const auto closed = parsed(render_menu(c, 2)).as_object();
  EXPECT_FALSE(item_named(closed, "bakery", "croissant").at("available").as_bool());
}

TEST(RenderItem, RendersOneItemForAStore) {
  const Catalog c = testing::sample_catalog();
  const auto item = parsed(render_item(c, *c.find_item("latte"), 1)).as_object();
  EXPECT_EQ(item.at("item_id").as_string(), "latte");
  EXPECT_EQ(item.at("price_cents").as_int64(), 495);
  EXPECT_EQ(item.at("store_id").as_int64(), 1);
}

TEST(RenderItemArray, ListsOnlyAvailableItemsWithReferenceFields) {
  const Catalog c = testing::sample_catalog();
  const auto all = parsed(render_item_array(c, "")).as_array();
  ASSERT_EQ(all.size(), 2u);  // mocha is unavailable
  EXPECT_EQ(all[0].at("id").as_string(), "latte");
  EXPECT_DOUBLE_EQ(all[0].at("price").as_double(), 4.5);
  EXPECT_EQ(all[0].at("price_cents").as_int64(), 450);
  const auto bakery = parsed(render_item_array(c, "bakery")).as_array();
  ASSERT_EQ(bakery.size(), 1u);
  EXPECT_EQ(bakery[0].at("id").as_string(), "croissant");
  EXPECT_TRUE(parsed(render_item_array(c, "tea")).as_array().empty());
}

TEST(RenderStores, PagesByIdWithACursorToTheNextPage) {
  const Catalog c = testing::sample_catalog();
  const auto first = parsed(render_stores(c, 0, 2)).as_object();
  const auto& stores = first.at("stores").as_array();
  ASSERT_EQ(stores.size(), 2u);
  EXPECT_EQ(stores[0].at("store_id").as_int64(), 1);
  EXPECT_EQ(stores[0].at("name").as_string(), "Pike Place");
  EXPECT_EQ(stores[0].at("tax_rate_bp").as_int64(), 1010);
  EXPECT_EQ(stores[0].at("timezone").as_string(), "America/Los_Angeles");
  EXPECT_EQ(stores[1].at("status").as_string(), "closed");
  EXPECT_EQ(first.at("next_cursor").as_string(), "s2");

  const auto second = parsed(render_stores(c, 2, 2)).as_object();
  ASSERT_EQ(second.at("stores").as_array().size(), 1u);
  EXPECT_EQ(second.at("stores").as_array()[0].at("store_id").as_int64(), 3);
  EXPECT_TRUE(second.at("next_cursor").is_null());
}

TEST(RenderStores, ExactlyFullLastPageHasNoCursor) {
  const auto page = parsed(render_stores(testing::sample_catalog(), 0, 3)).as_object();
  EXPECT_EQ(page.at("stores").as_array().size(), 3u);
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST(RenderStores, CursorPastTheEndGivesAnEmptyPage) {
  const auto page = parsed(render_stores(testing::sample_catalog(), 3, 10)).as_object();
  EXPECT_TRUE(page.at("stores").as_array().empty());
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST(RenderStore, RendersOneStore) {
  const Catalog c = testing::sample_catalog();
  const auto store = parsed(render_store(*c.find_store(3))).as_object();
  EXPECT_EQ(store.at("city").as_string(), "San Francisco");
  EXPECT_EQ(store.at("opens").as_string(), "06:30");
  EXPECT_EQ(store.at("closes").as_string(), "21:00");
}

}  // namespace
}  // namespace cafe::menu::domain
