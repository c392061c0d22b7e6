#pragma once

#include "app/config.h"
#include "app/service_app.h"
#include "platform/faults/fault.h"

#include <memory>

namespace prometheus {
class Registry;
}

namespace cafe::app {

// The gateway with the configured route table and static targets. Calls to
// a target group answer to injected faults ("dependency:<group>").
Result<std::unique_ptr<ServiceApp>> make_gateway_app(const AppConfig& config, prometheus::Registry* metrics,
                                                     faults::Registry& faults);

}  // namespace cafe::app
