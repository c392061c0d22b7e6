#pragma once

#include "app/config.h"
#include "app/service_app.h"

#include <memory>

namespace prometheus {
class Registry;
}

namespace cafe::app {

// The gateway with the configured route table and static targets.
Result<std::unique_ptr<ServiceApp>> make_gateway_app(const AppConfig& config, prometheus::Registry* metrics);

}  // namespace cafe::app
