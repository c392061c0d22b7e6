#include "services/menu/store/catalog_store.h"

#include "platform/core/time.h"
#include "services/menu/store/schema.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>

namespace cafe::menu::store {

namespace asio = boost::asio;
using sql::Value;

namespace {

std::string to_json_list(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return boost::json::serialize(a);
}

std::vector<std::string> from_json_list(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

Result<std::int64_t> bump_version(sql::Transaction& tx) {
  auto rows = tx.execute("UPDATE catalog_meta SET version = version + 1 WHERE id = 1 RETURNING version");
  if (!rows) return rows.error();
  if (rows->empty()) return Error::internal("catalog_meta has no row");
  return sql::as_int(rows->rows[0][0]);
}

Result<void> write_item_rows(sql::Transaction& tx, const domain::ItemInput& in) {
  for (std::size_t i = 0; i < in.sizes.size(); ++i) {
    const std::vector<Value> p{in.item_id, in.sizes[i].size, static_cast<std::int64_t>(i + 1),
                               in.sizes[i].price_delta_cents};
    if (auto r = tx.execute(
            "INSERT INTO item_sizes (item_id, size, position, price_delta_cents) VALUES (?, ?, ?, ?)", p);
        !r) {
      return r.error();
    }
  }
  for (std::size_t i = 0; i < in.modifier_ids.size(); ++i) {
    const std::vector<Value> p{in.item_id, in.modifier_ids[i], static_cast<std::int64_t>(i + 1)};
    if (auto r =
            tx.execute("INSERT INTO item_modifiers (item_id, modifier_id, position) VALUES (?, ?, ?)", p);
        !r) {
      return r.error();
    }
  }
  return {};
}

std::vector<Value> item_values(const domain::ItemInput& in, const std::string& now) {
  return {in.name,
          in.description,
          in.category_id,
          in.kind,
          in.base_price_cents,
          in.calories,
          std::int64_t{in.available ? 1 : 0},
          to_json_list(in.ingredients),
          to_json_list(in.allergens),
          in.image_url,
          now,
          in.item_id};
}

Result<bool> item_exists(sql::Transaction& tx, const std::string& item_id) {
  const std::vector<Value> p{item_id};
  auto rows = tx.execute("SELECT 1 FROM items WHERE item_id = ?", p);
  if (!rows) return rows.error();
  return !rows->empty();
}

}  // namespace

Result<void> CatalogStore::migrate() {
  return db_.migrate(migrations());
}

asio::awaitable<Result<std::int64_t>> CatalogStore::current_version(Deadline deadline) {
  auto rows = co_await db_.query("SELECT version FROM catalog_meta WHERE id = 1", {}, deadline);
  if (!rows) co_return rows.error();
  if (rows->empty()) co_return Error::internal("catalog_meta has no row");
  co_return sql::as_int(rows->rows[0][0]);
}

asio::awaitable<Result<domain::Catalog>> CatalogStore::load_once(Deadline deadline) {
  domain::Catalog c;
  auto version = co_await current_version(deadline);
  if (!version) co_return version.error();
  c.version = *version;

  auto stores = co_await db_.query(
      "SELECT store_id, name, city, tax_rate_bp, status, opens, closes, timezone FROM stores ORDER BY "
      "store_id",
      {}, deadline);
  if (!stores) co_return stores.error();
  for (const auto& row : stores->rows) {
    sql::RowReader r(row);
    c.stores.push_back({.store_id = r.integer(),
                        .name = r.text(),
                        .city = r.text(),
                        .tax_rate_bp = r.integer(),
                        .status = r.text(),
                        .opens = r.text(),
                        .closes = r.text(),
                        .timezone = r.text()});
    if (auto ok = r.status(); !ok) co_return ok.error();
  }

  auto categories = co_await db_.query("SELECT category_id, name, position FROM categories ORDER BY position",
                                       {}, deadline);
  if (!categories) co_return categories.error();
  for (const auto& row : categories->rows) {
    sql::RowReader r(row);
    c.categories.push_back({.category_id = r.text(), .name = r.text(), .position = r.integer()});
    if (auto ok = r.status(); !ok) co_return ok.error();
  }

  auto modifiers = co_await db_.query(
      "SELECT modifier_id, name, price_cents FROM modifiers ORDER BY modifier_id", {}, deadline);
  if (!modifiers) co_return modifiers.error();
  for (const auto& row : modifiers->rows) {
    sql::RowReader r(row);
    c.modifiers.push_back({.modifier_id = r.text(), .name = r.text(), .price_cents = r.integer()});
    if (auto ok = r.status(); !ok) co_return ok.error();
  }

  auto items = co_await db_.query(
      "SELECT i.item_id, i.name, i.description, i.category_id, i.kind, i.base_price_cents, i.calories, "
      "i.available, "
      "i.ingredients, i.allergens, i.image_url, i.updated_at "
      "FROM items i JOIN categories c ON c.category_id = i.category_id ORDER BY c.position, i.name, "
      "i.item_id",
      {}, deadline);
  if (!items) co_return items.error();
  std::map<std::string, std::size_t, std::less<>> item_index;
  for (const auto& row : items->rows) {
    sql::RowReader r(row);
    domain::Item it;
    it.item_id = r.text();
    it.name = r.text();
    it.description = r.text();
    it.category_id = r.text();
    it.kind = r.text();
    it.base_price_cents = r.integer();
    it.calories = r.integer();
    it.available = r.boolean();
    it.ingredients = from_json_list(r.text());
    it.allergens = from_json_list(r.text());
    it.image_url = r.text();
    it.updated_at = r.text();
    if (auto ok = r.status(); !ok) co_return ok.error();
    item_index[it.item_id] = c.items.size();
    c.items.push_back(std::move(it));
  }

  auto sizes = co_await db_.query(
      "SELECT item_id, size, price_delta_cents FROM item_sizes ORDER BY item_id, position", {}, deadline);
  if (!sizes) co_return sizes.error();
  for (const auto& row : sizes->rows) {
    sql::RowReader r(row);
    const std::string item_id = r.text();
    domain::SizeOption size{.size = r.text(), .price_delta_cents = r.integer()};
    if (auto ok = r.status(); !ok) co_return ok.error();
    if (auto it = item_index.find(item_id); it != item_index.end()) c.items[it->second].sizes.push_back(size);
  }

  auto item_modifiers = co_await db_.query(
      "SELECT item_id, modifier_id FROM item_modifiers ORDER BY item_id, position", {}, deadline);
  if (!item_modifiers) co_return item_modifiers.error();
  for (const auto& row : item_modifiers->rows) {
    sql::RowReader r(row);
    const std::string item_id = r.text();
    std::string modifier_id = r.text();
    if (auto ok = r.status(); !ok) co_return ok.error();
    if (auto it = item_index.find(item_id); it != item_index.end()) {
      c.items[it->second].modifier_ids.push_back(std::move(modifier_id));
    }
  }

  auto store_items =
      co_await db_.query("SELECT store_id, item_id, price_cents, available FROM store_items", {}, deadline);
  if (!store_items) co_return store_items.error();
  for (const auto& row : store_items->rows) {
    sql::RowReader r(row);
    const std::int64_t store_id = r.integer();
    std::string item_id = r.text();
    domain::StoreItem override_{.price_cents = r.nullable_integer(), .available = r.boolean()};
    if (auto ok = r.status(); !ok) co_return ok.error();
    c.store_items[{store_id, std::move(item_id)}] = override_;
  }
  co_return c;
}

asio::awaitable<Result<std::shared_ptr<const domain::Catalog>>> CatalogStore::load(Deadline deadline) {
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto catalog = co_await load_once(deadline);
    if (!catalog) co_return catalog.error();
    auto after = co_await current_version(deadline);
    if (!after) co_return after.error();
    if (*after == catalog->version) {
      co_return std::make_shared<const domain::Catalog>(std::move(*catalog));
    }
  }
  co_return Error::make(ErrorCode::kAborted, "the catalog kept changing while it was loaded");
}

asio::awaitable<Result<std::int64_t>> CatalogStore::write(Change change, Deadline deadline) {
  // DESIGN §9: the body is a named local, not a temporary inside co_await.
  auto body = [change = std::move(change), events = events_](sql::Transaction& tx) -> Result<std::int64_t> {
    if (auto changed = change(tx); !changed) return changed.error();
    auto version = bump_version(tx);
    if (!version || !events) return version;
    if (auto published = events(tx, *version); !published) return published.error();
    return version;
  };
  auto done = db_.transact<std::int64_t>(std::move(body), deadline);
  co_return co_await std::move(done);
}

asio::awaitable<Result<std::int64_t>> CatalogStore::create_item(domain::ItemInput input, Deadline deadline) {
  // DESIGN §9: named, not a temporary inside co_await.
  Change change = [input = std::move(input)](sql::Transaction& tx) -> Result<void> {
    auto exists = item_exists(tx, input.item_id);
    if (!exists) return exists.error();
    if (*exists) return Error::conflict("item '" + input.item_id + "' already exists; use PUT to change it");
    const auto values = item_values(input, now_rfc3339());
    if (auto r = tx.execute(
            "INSERT INTO items (name, description, category_id, kind, base_price_cents, calories, available, "
            "ingredients, allergens, image_url, updated_at, item_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            values);
        !r) {
      return r.error();
    }
    return write_item_rows(tx, input);
  };
  co_return co_await write(std::move(change), deadline);
}

asio::awaitable<Result<std::int64_t>> CatalogStore::update_item(domain::ItemInput input, Deadline deadline) {
  // DESIGN §9: named, not a temporary inside co_await.
  Change change = [input = std::move(input)](sql::Transaction& tx) -> Result<void> {
    auto exists = item_exists(tx, input.item_id);
    if (!exists) return exists.error();
    if (!*exists) return Error::not_found("no menu item '" + input.item_id + "'");
    const auto values = item_values(input, now_rfc3339());
    if (auto r = tx.execute(
            "UPDATE items SET name = ?, description = ?, category_id = ?, kind = ?, base_price_cents = ?, "
            "calories = ?, available = ?, ingredients = ?, allergens = ?, image_url = ?, updated_at = ? "
            "WHERE item_id = ?",
            values);
        !r) {
      return r.error();
    }
    const std::vector<Value> id{input.item_id};
    if (auto r = tx.execute("DELETE FROM item_sizes WHERE item_id = ?", id); !r) return r.error();
    if (auto r = tx.execute("DELETE FROM item_modifiers WHERE item_id = ?", id); !r) return r.error();
    return write_item_rows(tx, input);
  };
  co_return co_await write(std::move(change), deadline);
}

asio::awaitable<Result<std::int64_t>> CatalogStore::delete_item(std::string item_id, Deadline deadline) {
  Change change = [item_id = std::move(item_id)](sql::Transaction& tx) -> Result<void> {
    const std::vector<Value> id{item_id};
    if (auto r = tx.execute("DELETE FROM item_sizes WHERE item_id = ?", id); !r) return r.error();
    if (auto r = tx.execute("DELETE FROM item_modifiers WHERE item_id = ?", id); !r) return r.error();
    if (auto r = tx.execute("DELETE FROM store_items WHERE item_id = ?", id); !r) return r.error();
    auto deleted = tx.execute("DELETE FROM items WHERE item_id = ?", id);
    if (!deleted) return deleted.error();
    if (deleted->affected == 0) return Error::not_found("no menu item '" + item_id + "'");
    return {};
  };
  co_return co_await write(std::move(change), deadline);
}

}  // namespace cafe::menu::store
