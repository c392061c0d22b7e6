// Persistence of the menu catalog. All SQL of the menu service lives here.
// Every write bumps the catalog version in the same transaction, so a
// version names exactly one catalog on every replica.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"
#include "services/menu/domain/catalog.h"
#include "services/menu/domain/item_rules.h"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace cafe::menu::store {

class CatalogStore {
 public:
  // Runs inside every write's transaction once the version is bumped: the
  // events of the change go out with it (the outbox) or not at all.
  using VersionEvents = std::function<Result<void>(sql::Transaction&, std::int64_t version)>;

  explicit CatalogStore(sql::Database& db, VersionEvents events = {}) : db_(db), events_(std::move(events)) {}

  // Applies the schema and seed migrations (blocking; at start-up).
  Result<void> migrate();

  // The budget of a call made outside any request (the refresher).
  Deadline default_deadline() const { return db_.default_deadline(); }

  // Every call takes the deadline of the request (or refresh) it serves.
  boost::asio::awaitable<Result<std::int64_t>> current_version(Deadline deadline);

  // A consistent snapshot: the version is read before and after the tables
  // and the load is retried when a write slipped in between.
  boost::asio::awaitable<Result<std::shared_ptr<const domain::Catalog>>> load(Deadline deadline);

  // Each returns the new catalog version.
  boost::asio::awaitable<Result<std::int64_t>> create_item(domain::ItemInput input, Deadline deadline);
  boost::asio::awaitable<Result<std::int64_t>> update_item(domain::ItemInput input, Deadline deadline);
  boost::asio::awaitable<Result<std::int64_t>> delete_item(std::string item_id, Deadline deadline);

 private:
  boost::asio::awaitable<Result<domain::Catalog>> load_once(Deadline deadline);
  // Runs `change` and bumps the catalog version in one transaction;
  // returns the new version.
  using Change = std::function<Result<void>(sql::Transaction&)>;
  boost::asio::awaitable<Result<std::int64_t>> write(Change change, Deadline deadline);

  sql::Database& db_;
  VersionEvents events_;
};

}  // namespace cafe::menu::store
