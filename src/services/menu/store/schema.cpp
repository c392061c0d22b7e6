#include "services/menu/store/schema.h"

#include <array>

namespace cafe::menu::store {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE catalog_meta (
  id BIGINT PRIMARY KEY,
  version BIGINT NOT NULL
);
CREATE TABLE stores (
  store_id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  city TEXT NOT NULL,
  tax_rate_bp BIGINT NOT NULL,
  status TEXT NOT NULL,
  opens TEXT NOT NULL,
  closes TEXT NOT NULL,
  timezone TEXT NOT NULL
);
CREATE TABLE categories (
  category_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  position BIGINT NOT NULL
);
CREATE TABLE modifiers (
  modifier_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  price_cents BIGINT NOT NULL
);
CREATE TABLE items (
  item_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  category_id TEXT NOT NULL REFERENCES categories (category_id),
  kind TEXT NOT NULL,
  base_price_cents BIGINT NOT NULL,
  calories BIGINT NOT NULL,
  available BIGINT NOT NULL,
  ingredients TEXT NOT NULL,
  allergens TEXT NOT NULL,
  image_url TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE item_sizes (
  item_id TEXT NOT NULL REFERENCES items (item_id),
  size TEXT NOT NULL,
  position BIGINT NOT NULL,
  price_delta_cents BIGINT NOT NULL,
  PRIMARY KEY (item_id, size)
);
CREATE TABLE item_modifiers (
  item_id TEXT NOT NULL REFERENCES items (item_id),
  modifier_id TEXT NOT NULL REFERENCES modifiers (modifier_id),
  position BIGINT NOT NULL,
  PRIMARY KEY (item_id, modifier_id)
);
CREATE TABLE store_items (
  store_id BIGINT NOT NULL REFERENCES stores (store_id),
  item_id TEXT NOT NULL REFERENCES items (item_id),
  price_cents BIGINT,
  available BIGINT NOT NULL,
  PRIMARY KEY (store_id, item_id)
)
)sql";

// The reference's five Seattle-area stores and its k6 catalogue (the ids
// load tests send), in cents. Airport prices run 50 cents higher; Tech Hub
// does not sell croissants; Waterfront is closed for refurbishment.
constexpr const char* kSeed = R"sql(
INSERT INTO catalog_meta (id, version) VALUES (1, 1) ON CONFLICT DO NOTHING;
INSERT INTO stores VALUES
  (1, 'Downtown', 'Seattle', 1010, 'active', '06:00', '20:00', 'America/Los_Angeles'),
  (2, 'University', 'Seattle', 1010, 'active', '06:30', '22:00', 'America/Los_Angeles'),
  (3, 'Airport', 'SeaTac', 1025, 'active', '04:30', '23:00', 'America/Los_Angeles'),
  (4, 'Tech Hub', 'Bellevue', 1010, 'active', '06:00', '19:00', 'America/Los_Angeles'),
  (5, 'Waterfront', 'Seattle', 1010, 'closed', '07:00', '21:00', 'America/Los_Angeles')
  ON CONFLICT DO NOTHING;
INSERT INTO categories VALUES
  ('espresso', 'Espresso drinks', 1),
  ('brewed', 'Brewed coffee', 2),
  ('bakery', 'Bakery', 3)
  ON CONFLICT DO NOTHING;
INSERT INTO modifiers VALUES
  ('extra_shot', 'Extra shot', 75),
  ('oat_milk', 'Oat milk', 60),
  ('vanilla_syrup', 'Vanilla syrup', 50),
  ('decaf', 'Decaf', 0)
  ON CONFLICT DO NOTHING;
INSERT INTO items VALUES
  ('latte', 'Caffe Latte', 'Espresso with steamed milk and a thin layer of foam', 'espresso', 'drink', 500, 190, 1, '["espresso","milk"]', '["milk"]', '', '2026-01-01T00:00:00.000Z'),
  ('cappuccino', 'Cappuccino', 'Espresso under a deep layer of milk foam', 'espresso', 'drink', 450, 140, 1, '["espresso","milk"]', '["milk"]', '', '2026-01-01T00:00:00.000Z'),
  ('espresso', 'Espresso', 'A double shot, bold and intense', 'espresso', 'drink', 300, 10, 1, '["espresso"]', '[]', '', '2026-01-01T00:00:00.000Z'),
  ('mocha', 'Caffe Mocha', 'Espresso, chocolate and steamed milk', 'espresso', 'drink', 550, 370, 1, '["espresso","milk","chocolate"]', '["milk","soy"]', '', '2026-01-01T00:00:00.000Z'),
  ('americano', 'Caffe Americano', 'Espresso topped with hot water', 'espresso', 'drink', 350, 15, 1, '["espresso","water"]', '[]', '', '2026-01-01T00:00:00.000Z'),
  ('cold_brew', 'Cold Brew', 'Steeped cold for twenty hours, smooth and never bitter', 'brewed', 'drink', 400, 5, 1, '["coffee","water"]', '[]', '', '2026-01-01T00:00:00.000Z'),
  ('croissant', 'Butter Croissant', 'Flaky, baked every morning', 'bakery', 'food', 350, 260, 1, '["flour","butter"]', '["wheat","milk"]', '', '2026-01-01T00:00:00.000Z'),
  ('muffin', 'Blueberry Muffin', 'Wild blueberries and a crumb top', 'bakery', 'food', 300, 360, 1, '["flour","blueberries","sugar"]', '["wheat","milk","egg"]', '', '2026-01-01T00:00:00.000Z')
  ON CONFLICT DO NOTHING;
INSERT INTO item_sizes VALUES
  ('latte', 'tall', 1, 0), ('latte', 'grande', 2, 50), ('latte', 'venti', 3, 100),
  ('cappuccino', 'tall', 1, 0), ('cappuccino', 'grande', 2, 50), ('cappuccino', 'venti', 3, 100),
  ('espresso', 'tall', 1, 0), ('espresso', 'grande', 2, 50), ('espresso', 'venti', 3, 100),
  ('mocha', 'tall', 1, 0), ('mocha', 'grande', 2, 50), ('mocha', 'venti', 3, 100),
  ('americano', 'tall', 1, 0), ('americano', 'grande', 2, 50), ('americano', 'venti', 3, 100),
  ('cold_brew', 'tall', 1, 0), ('cold_brew', 'grande', 2, 50), ('cold_brew', 'venti', 3, 100),
  ('croissant', 'regular', 1, 0),
  ('muffin', 'regular', 1, 0)
  ON CONFLICT DO NOTHING;
INSERT INTO item_modifiers VALUES
  ('latte', 'extra_shot', 1), ('latte', 'oat_milk', 2), ('latte', 'vanilla_syrup', 3), ('latte', 'decaf', 4),
  ('cappuccino', 'extra_shot', 1), ('cappuccino', 'oat_milk', 2), ('cappuccino', 'vanilla_syrup', 3), ('cappuccino', 'decaf', 4),
  ('espresso', 'extra_shot', 1), ('espresso', 'decaf', 2),
  ('mocha', 'extra_shot', 1), ('mocha', 'oat_milk', 2), ('mocha', 'decaf', 3),
  ('americano', 'extra_shot', 1), ('americano', 'vanilla_syrup', 2), ('americano', 'decaf', 3),
  ('cold_brew', 'oat_milk', 1), ('cold_brew', 'vanilla_syrup', 2)
  ON CONFLICT DO NOTHING;
INSERT INTO store_items VALUES
  (3, 'latte', 550, 1), (3, 'cappuccino', 500, 1), (3, 'espresso', 350, 1), (3, 'mocha', 600, 1),
  (3, 'americano', 400, 1), (3, 'cold_brew', 450, 1), (3, 'croissant', 400, 1), (3, 'muffin', 350, 1),
  (4, 'croissant', NULL, 0)
  ON CONFLICT DO NOTHING
)sql";

const std::array<sql::Migration, 2> kMigrations{{
    {1, "menu schema", kSchema},
    {2, "menu seed data", kSeed},
}};

}  // namespace

std::span<const sql::Migration> migrations() {
  return kMigrations;
}

}  // namespace cafe::menu::store
