#include "services/menu/catalog_events.h"

#include <boost/json/object.hpp>

namespace cafe::menu {

Result<void> add_catalog_changed(const bus::Outbox& outbox, sql::Transaction& tx, std::int64_t version) {
  bus::Event event = bus::make_event({.type = std::string(kCatalogChanged),
                                      .source = "menu",
                                      .partition_key = "catalog",
                                      .version = version,
                                      .data = boost::json::object{{"version", version}},
                                      .trace_id = {}});
  return outbox.add(tx, event, bus::Destination::stream(std::string(kCatalogStream)));
}

}  // namespace cafe::menu
