#include "app/services.h"

#include "services/bus/bus_definition.h"
#include "services/gateway/gateway_definition.h"
#include "services/menu/menu_definition.h"

namespace cafe::app {

const service::Registry& services() {
  // Adding a service: its folder under src/services, and one line here.
  static const service::Registry registry{
      menu::definition(),
      gateway::definition(),
      bus::definition(),
  };
  return registry;
}

}  // namespace cafe::app
