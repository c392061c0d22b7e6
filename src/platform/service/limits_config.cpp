#include "platform/service/limits_config.h"

#include "platform/config/map_reader.h"

namespace cafe::service {
namespace {

constexpr std::size_t kMaxLimit = 1'000'000;

void read_named(config::MapReader& r, std::string_view key,
                std::map<std::string, std::size_t, std::less<>>& out) {
  r.each(key, [&](std::string_view name, config::MapReader& entry) {
    std::size_t limit = 0;
    entry.required("max_in_flight").field("max_in_flight", limit, 1, kMaxLimit);
    if (limit > 0) out.insert_or_assign(std::string(name), limit);
  });
}

}  // namespace

void read_limits_config(config::MapReader& r, LimitsConfig& c) {
  r.field("max_in_flight_per_route", c.route_max_in_flight, 1, kMaxLimit)
      .field("max_in_flight_per_dependency", c.dependency_max_in_flight, 1, kMaxLimit);
  read_named(r, "routes", c.routes);
  read_named(r, "dependencies", c.dependencies);
}

}  // namespace cafe::service
