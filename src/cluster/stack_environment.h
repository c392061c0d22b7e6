// What points a service's replicas at the real stack: CLOUDCAFE_* overrides
// of its `store`, `cache` and `bus` keys (the naming convention of
// service::ClusterTraits), for the backends its Definition declares.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cafe::cluster {

struct StackEndpoints {
  std::string postgres_conninfo;  // the service's own database (multi-host: primary, standby)
  std::string redis_host;
  std::uint16_t redis_port = 0;
  std::string nats_url;
};

struct DeclaredBackends {
  bool database = false;
  bool cache = false;
  bool bus = false;
};

std::vector<std::string> real_stack_environment(const std::string& service, const DeclaredBackends& declared,
                                                const StackEndpoints& endpoints);

}  // namespace cafe::cluster
