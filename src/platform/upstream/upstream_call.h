// One request to a target group, as the gateway forwards and as services
// call each other: pick a target, send, and on failure try another while
// it is safe and the deadline allows.
//
// - A request an upstream may have received goes to another target only
//   when that is harmless: an idempotent method (after any failure, and
//   after a 502/503/504), or a request the caller declares `idempotent` (a
//   POST the callee deduplicates by key) only when its connection broke —
//   after a timeout the first replica may still be at work, and a second
//   would find the key in progress. Otherwise the first such failure is
//   the answer.
// - Attempts where nothing was sent (breaker open, pool exhausted, connect
//   refused) do not count against max_attempts; each target is tried at
//   most once per request, so the group's size bounds them.
// - A request with an idempotent method gets a per-try timeout, a share of
//   what is left, so a paused replica costs part of the budget and another
//   replica gets the rest; the last attempt gets all that remains.
// - Every attempt carries its budget downstream in the deadline header, so
//   the upstream gives up when this caller does.
// - Each result feeds the target's outlier detection.
#pragma once

#include "platform/core/deadline.h"
#include "platform/http_client/client.h"
#include "platform/upstream/target_group.h"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>

namespace cafe::upstream {

// The request header carrying the caller's remaining budget in whole
// milliseconds; every CloudCafe service reads it into Request::deadline.
inline constexpr const char* kDeadlineHeader = "X-Deadline-Ms";

struct CallPolicy {
  int max_attempts = 2;        // attempts that sent something, first included
  double per_try_share = 0.5;  // of the remaining budget, for replayable requests
  std::chrono::milliseconds min_per_try{100};
  OutlierOptions outlier{};
  std::function<void(const Target&)> on_ejected{};  // logs and metrics
};

struct CallResult {
  // The last attempt's outcome; empty when no target could be tried.
  std::optional<http_client::Outcome> outcome;
  int attempts = 0;          // targets tried
  bool out_of_time = false;  // the budget ran out (before any try, when outcome is empty)
};

// `request` is sent as it is, with the deadline header set per attempt.
// `idempotent` declares a request safe to repeat though its method is not
// (a POST the callee deduplicates by a key in its body).
boost::asio::awaitable<CallResult> call(http_client::Client& client, TargetGroup& group,
                                        http::Request request, Deadline deadline, const CallPolicy& policy,
                                        bool idempotent = false);

}  // namespace cafe::upstream
