// Both backends refuse the same TTLs, so the conformance suite can hold them
// to one contract (Redis itself rejects `SET ... PX 0`).
#pragma once

#include "platform/core/error.h"

#include <chrono>

namespace cafe::cache::internal {

inline Result<void> check_ttl(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return Error::invalid("cache ttl must be positive");
  return ok();
}

}  // namespace cafe::cache::internal
