// CatalogChanged (stream `catalog`): every menu write adds one to the
// outbox in its own transaction, and every menu replica follows the stream
// and reloads on it, so a change made on one replica shows on the others
// within a relay round-trip instead of a poll interval.
#pragma once

#include "platform/bus/outbox.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <cstdint>
#include <string_view>

namespace cafe::menu {

inline constexpr std::string_view kCatalogStream = "catalog";
inline constexpr std::string_view kCatalogChanged = "CatalogChanged";

// The event for catalog `version`, added to `outbox` inside `tx`.
Result<void> add_catalog_changed(const bus::Outbox& outbox, sql::Transaction& tx, std::int64_t version);

}  // namespace cafe::menu
