// A Bus that asks the fault registry ("dependency:bus") before forwarding
// each call: injected latency (bounded by the call's deadline), errors and
// outages look to the service as a slow or failing bus would — its relay
// backs off, its consumers retry, its outbox grows.
#pragma once

#include "platform/bus/bus.h"
#include "platform/faults/fault.h"

#include <memory>

namespace cafe::faults {

std::unique_ptr<bus::Bus> with_faults(std::unique_ptr<bus::Bus> inner, Registry& registry);

}  // namespace cafe::faults
