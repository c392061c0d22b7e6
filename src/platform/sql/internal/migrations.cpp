#include "platform/sql/internal/migrations.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace cafe::sql::internal {

Result<void> validate_migrations(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return Error::invalid("migration versions must start at 1 and strictly increase (saw " +
                            std::to_string(m.version) + " after " + std::to_string(previous) + ")");
    }
    previous = m.version;
  }
  return ok();
}

}  // namespace cafe::sql::internal
