// A Cache that asks the fault registry ("dependency:cache") before
// forwarding each call. Callers treat cache errors as misses, so an
// injected cache outage shows as load on the store, as a real one would.
#pragma once

#include "platform/cache/cache.h"
#include "platform/faults/fault.h"

#include <memory>

namespace cafe::faults {

std::unique_ptr<cache::Cache> with_faults(std::unique_ptr<cache::Cache> inner, Registry& registry);

}  // namespace cafe::faults
