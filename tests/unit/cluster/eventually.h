// Polls a condition until it holds or a deadline passes: for what another
// process does (exec, exit) that no event tells this one about.
#pragma once

#include "platform/core/deadline.h"

#include <chrono>
#include <thread>

namespace cafe::cluster::testing {

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds budget = std::chrono::seconds(5)) {
  const auto deadline = Deadline::after(budget);
  for (;;) {
    if (condition()) return true;
    if (deadline.expired()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace cafe::cluster::testing
