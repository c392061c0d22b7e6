// The menu's backend combinations for parameterised integration tests:
// store (sqlite | postgres) x cache (memory | redis), each on a real server.
#pragma once

#include "app/config.h"
#include "support/service_harness.h"

#include <optional>
#include <string>

namespace cafe::test {

struct MenuBackends {
  std::string store;  // sqlite | postgres
  std::string cache;  // memory | redis
};

std::string backend_name(const MenuBackends& b);

// Points `config` at the backends, starting PostgreSQL/Redis as needed (one
// shared server per test executable; a fresh database per call). Returns
// false when the test must stop: the server could not start (the test was
// skipped, or failed under CI=true).
bool configure_backends(const MenuBackends& backends, app::AppConfig& config,
                        const std::string& database_name);

}  // namespace cafe::test
