#include "platform/sql/retry.h"

namespace cafe::sql::internal {

std::mt19937_64& thread_retry_rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

}  // namespace cafe::sql::internal
