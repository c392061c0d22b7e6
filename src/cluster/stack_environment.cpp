#include "cluster/stack_environment.h"

namespace cafe::cluster {

std::vector<std::string> real_stack_environment(const std::string& service, const DeclaredBackends& declared,
                                                const StackEndpoints& endpoints) {
  std::string prefix = "CLOUDCAFE_";
  for (char c : service)
    prefix += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  prefix += "__";
  std::vector<std::string> env;
  if (declared.database) {
    env.push_back(prefix + "STORE__BACKEND=postgres");
    env.push_back(prefix + "STORE__POSTGRES__CONNINFO=" + endpoints.postgres_conninfo);
  }
  if (declared.cache) {
    env.push_back(prefix + "CACHE__BACKEND=redis");
    env.push_back(prefix + "CACHE__REDIS__HOST=" + endpoints.redis_host);
    env.push_back(prefix + "CACHE__REDIS__PORT=" + std::to_string(endpoints.redis_port));
  }
  if (declared.bus) {
    env.push_back(prefix + "BUS__BACKEND=nats");
    env.push_back(prefix + "BUS__NATS__URL=" + endpoints.nats_url);
  }
  return env;
}

}  // namespace cafe::cluster
