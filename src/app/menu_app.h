#pragma once

#include "app/config.h"
#include "app/service_app.h"
#include "platform/faults/fault.h"

#include <memory>
#include <string>

namespace cafe::app {

// The menu service on the configured store (sqlite | postgres) and cache
// (memory | redis). Opens the store, applies migrations and loads the
// catalog before it returns, so a returned app is ready. The store and the
// cache answer to injected faults ("dependency:store", "dependency:cache").
Result<std::unique_ptr<ServiceApp>> make_menu_app(const AppConfig& config, const std::string& data_dir,
                                                  faults::Registry& faults);

}  // namespace cafe::app
