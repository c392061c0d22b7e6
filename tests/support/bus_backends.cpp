#include "support/bus_backends.h"

#include "platform/bus/embedded_bus.h"
#include "platform/bus/nats_bus.h"
#include "support/nats_server.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

namespace cafe::test {
namespace {

std::unique_ptr<bus::Bus> open_nats() {
  NatsServer* server = NatsServer::start_or_skip();
  if (server == nullptr) return nullptr;
  bus::NatsBusOptions options;
  options.url = server->url();
  auto opened = bus::open_nats_bus(options);
  if (!opened) {
    ADD_FAILURE() << "open the NATS bus: " << opened.error().detail;
    return nullptr;
  }
  return std::move(*opened);
}

// `cloudcafe serve bus`, in this process, with its log in a temp dir.
struct EmbeddedServer {
  TempDir dir;
  StartedService bus;
};

std::unique_ptr<bus::Bus> open_embedded() {
  static EmbeddedServer* shared = [] {
    auto* s = new EmbeddedServer();  // lives as long as the process: clients close at test end
    s->bus = start_service("bus", test_config(), s->dir.path().string());
    return s;
  }();
  if (!shared->bus.service) {
    ADD_FAILURE() << "the bus service did not start";
    return nullptr;
  }
  auto opened = bus::open_embedded_bus({.addresses = {shared->bus.address},
                                        .caller = "conformance",
                                        .admin_token = kTestAdminToken,
                                        .connect_timeout = std::chrono::milliseconds(300),
                                        .max_connections = 64,
                                        .metrics = nullptr});
  if (!opened) {
    ADD_FAILURE() << "open the embedded bus: " << opened.error().detail;
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace

const std::vector<BusBackend>& bus_backends() {
  static const std::vector<BusBackend> all{{"embedded", open_embedded}, {"nats", open_nats}};
  return all;
}

std::vector<std::string> bus_backend_names() {
  std::vector<std::string> names;
  for (const auto& b : bus_backends()) names.push_back(b.name);
  return names;
}

const BusBackend* find_bus_backend(std::string_view name) {
  for (const auto& b : bus_backends()) {
    if (b.name == name) return &b;
  }
  ADD_FAILURE() << "no bus backend called " << name;
  return nullptr;
}

}  // namespace cafe::test
