// A service as the kit sees it: what it is (name, one-line description),
// how its config section reads, which backends the kit opens for it, and
// the factory that builds it from a ServiceContext. A service's folder
// provides one `definition()`; the registry line in src/app/services.cpp
// lists it, and the CLI, --help, the config file and `serve` follow.
//
//   service::Definition definition() {
//     return service::define<MenuConfig>({
//         .name = "menu",
//         .description = "catalog, prices and availability per store",
//         .read_config = read_config,            // the keys under `menu:`
//         .database = &MenuConfig::store,        // opened, fault-wrapped, migrated
//         .migrations = &store::migrations,
//         .cache = &MenuConfig::cache,           // opened, fault-wrapped
//         .make = make_menu,                     // (ServiceContext&, const MenuConfig&)
//     });
//   }
#pragma once

#include "platform/bus/store_schema.h"
#include "platform/core/error.h"
#include "platform/http/router.h"
#include "platform/service/backend_config.h"
#include "platform/service/context.h"
#include "platform/sql/database.h"

#include <boost/json/fwd.hpp>

#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

namespace cafe::config {
class MapReader;
}

namespace cafe::service {

// Where the bus tables' migrations start (bus/store_schema.h): above every
// version a service's own schema will use.
inline constexpr int kBusTablesFirstVersion = 1000;

// One running service. The kit calls, in order: add_routes and ready (from
// then on), start once serving begins, and at shutdown — after the drain —
// stop_background, then close_clients. The service is destroyed after its
// I/O threads have ended.
class Service {
 public:
  virtual ~Service() = default;
  virtual Result<void> add_routes(http::Router& router) = 0;
  // /health/ready; an optional dependency (a cache) must not count.
  virtual bool ready() const = 0;
  // Spawns background work through context.tasks(), just before the server
  // starts serving.
  virtual Result<void> start(ServiceContext& context) {
    (void)context;
    return {};
  }
  // Shutdown has begun (the listeners are closing): end waits that would
  // hold the drain back, such as long polls. Idempotent.
  virtual void begin_shutdown() {}
  // Ends background work that is not in the task group (the kit cancels
  // and awaits the task group right after). Idempotent.
  virtual void stop_background() {}
  // Releases clients the service opened itself (the kit closes the cache
  // and the service client next, then the database).
  virtual void close_clients() {}
  // Detail for GET /health beyond status, service and replica (the
  // gateway's groups).
  virtual void describe_health(boost::json::object& out) const { (void)out; }
};

// How the local cluster (`cloudcafe up`, src/cluster) runs the service. By
// convention a service's database, cache and bus are the keys `store`,
// `cache` and `bus` of its section: the cluster's real stack points them at
// PostgreSQL, Redis and NATS through CLOUDCAFE_<SERVICE>__STORE__... .
struct ClusterTraits {
  enum class Role : std::uint8_t {
    kService,  // replicas behind the gateway's target group of the same name
    kBus,      // one process, started first; every other service's `peers.bus`
    kGateway,  // started last; told by the supervisor which replicas are ready
  };
  Role role = Role::kService;
  int replicas = 1;  // the cluster's default replica count
};

template <class Config>
struct Spec {
  std::string name;         // [a-z][a-z0-9-]*: the CLI argument and the config section
  std::string description;  // one line, for `--help`
  // Reads the keys under `<name>:` (except `limits`, which the kit reads).
  std::function<void(config::MapReader&, Config&)> read_config;
  // The backends the kit opens for the service, from its config.
  SqlConfig Config::* database = nullptr;
  std::function<std::span<const sql::Migration>()> migrations;  // applied before make() runs
  CacheConfig Config::* cache = nullptr;
  BusClientConfig Config::* bus = nullptr;  // opened and fault-wrapped ("dependency:bus")
  // The outbox, inbox and idempotency tables the service keeps in its
  // database: the kit migrates them (versions 1000+, after the service's
  // own), trims them (`<service>.bus.retention`), and with an outbox runs
  // the relay that publishes it (ServiceContext::outbox_relay()).
  bus::StoreTables bus_tables{};
  ClusterTraits cluster{};
  std::function<Result<std::unique_ptr<Service>>(ServiceContext&, const Config&)> make;
};

// The type-erased Spec the registry holds.
struct Definition {
  std::string name;
  std::string description;
  std::function<std::any()> default_config;
  std::function<void(config::MapReader&, std::any&)> read_config;
  std::function<const SqlConfig*(const std::any&)> database;  // empty: no database
  std::function<std::span<const sql::Migration>()> migrations;
  std::function<const CacheConfig*(const std::any&)> cache;    // empty: no cache
  std::function<const BusClientConfig*(const std::any&)> bus;  // empty: no bus
  bus::StoreTables bus_tables{};
  ClusterTraits cluster{};
  std::function<Result<std::unique_ptr<Service>>(ServiceContext&, const std::any&)> make;
};

namespace internal {

template <class Config>
const Config& config_of(const std::any& config, const std::string& service) {
  const Config* typed = std::any_cast<Config>(&config);
  if (!typed) throw std::logic_error("the config given to service " + service + " is not its own type");
  return *typed;
}

}  // namespace internal

template <class Config>
Definition define(const Spec<Config>& spec) {
  Definition d;
  d.name = spec.name;
  d.description = spec.description;
  d.default_config = [] { return std::any(Config{}); };
  d.read_config = [read = spec.read_config, name = spec.name](config::MapReader& reader, std::any& config) {
    if (!config.has_value()) config = Config{};
    Config* typed = std::any_cast<Config>(&config);
    if (!typed) throw std::logic_error("the config section of service " + name + " holds another type");
    if (read) read(reader, *typed);
  };
  if (spec.database) {
    d.database = [member = spec.database, name = spec.name](const std::any& config) -> const SqlConfig* {
      return &(internal::config_of<Config>(config, name).*member);
    };
    d.migrations = spec.migrations;
  }
  if (spec.cache) {
    d.cache = [member = spec.cache, name = spec.name](const std::any& config) -> const CacheConfig* {
      return &(internal::config_of<Config>(config, name).*member);
    };
  }
  if (spec.bus) {
    d.bus = [member = spec.bus, name = spec.name](const std::any& config) -> const BusClientConfig* {
      return &(internal::config_of<Config>(config, name).*member);
    };
  }
  if ((spec.bus_tables.outbox || spec.bus_tables.inbox || spec.bus_tables.idempotency) && !spec.database)
    throw std::logic_error("service " + spec.name + " keeps bus tables but declares no database");
  if (spec.bus_tables.outbox && !spec.bus)
    throw std::logic_error("service " + spec.name + " keeps an outbox but declares no bus to relay it to");
  d.bus_tables = spec.bus_tables;
  d.cluster = spec.cluster;
  d.make = [make = spec.make, name = spec.name](ServiceContext& context, const std::any& config) {
    return make(context, internal::config_of<Config>(config, name));
  };
  return d;
}

}  // namespace cafe::service
