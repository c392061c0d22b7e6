// A Database that asks the fault registry ("dependency:store") before
// forwarding each call: the lab breaks the store without touching it.
#pragma once

#include "platform/faults/fault.h"
#include "platform/sql/database.h"

#include <memory>

namespace cafe::faults {

std::unique_ptr<sql::Database> with_faults(std::unique_ptr<sql::Database> inner, Registry& registry);

}  // namespace cafe::faults
