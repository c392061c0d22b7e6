// The bus backends the bus conformance suite runs on, by name: "embedded"
// (`cloudcafe serve bus` started in the test process) and "nats" (a real
// nats-server -js). Each opens Bus objects on one server of its own kind
// per test executable, started on first use.
#pragma once

#include "platform/bus/bus.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::test {

struct BusBackend {
  std::string name;
  // A new Bus object on the backend's shared server; a second call is a
  // second client of the same server (a consumer restarted). nullptr after
  // recording a skip (or, under CI=true, a failure) when the server cannot
  // start, or a failure when the bus does not open.
  std::function<std::unique_ptr<bus::Bus>()> open;
};

const std::vector<BusBackend>& bus_backends();
std::vector<std::string> bus_backend_names();
// The backend called `name`; fails the test (and returns nullptr) for a
// name it does not know.
const BusBackend* find_bus_backend(std::string_view name);

}  // namespace cafe::test
