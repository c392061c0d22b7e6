#include "platform/upstream/upstream_call.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string>

namespace cafe::upstream {
namespace net = boost::asio;
using std::chrono::milliseconds;

namespace {

// Ends the in-flight count however the attempt leaves.
struct InFlight {
  explicit InFlight(Target& t) : target(t) { target.begin_request(); }
  ~InFlight() { target.end_request(); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  Target& target;
};

// Out of line: its buffer would otherwise take room in call()'s frame.
[[gnu::noinline]] void set_deadline_header(http::Request& request, milliseconds budget) {
  char text[24];
  const auto printed = std::to_chars(std::begin(text), std::end(text), budget.count());
  request.headers.set(kDeadlineHeader, std::string_view(text, printed.ptr - text));
}

bool is_gateway_failure(int status) {
  return status == 502 || status == 503 || status == 504;
}

}  // namespace

net::awaitable<CallResult> call(http_client::Client& client, TargetGroup& group, http::Request request,
                                Deadline deadline, const CallPolicy& policy, bool idempotent) {
  CallResult result;
  const bool idempotent_method = http::is_idempotent(request.method);
  const bool replayable = idempotent || idempotent_method;
  const auto refused_by_breaker = [&client](const Target& t) { return client.breaker_open(t.address()); };
  std::vector<const Target*> tried;
  int sent_attempts = 0;
  for (;;) {
    const auto now = Clock::now();
    const milliseconds remaining = deadline.remaining(now);
    if (remaining.count() <= 0) {
      result.out_of_time = true;
      break;
    }
    TargetPtr target = group.pick(tried, now, refused_by_breaker);
    if (!target) break;
    tried.push_back(target.get());
    ++result.attempts;

    const bool last_chance = !idempotent_method || sent_attempts + 1 >= policy.max_attempts;
    milliseconds budget = remaining;
    if (!last_chance) {
      const auto share = milliseconds(static_cast<milliseconds::rep>(
          static_cast<double>(remaining.count()) * std::clamp(policy.per_try_share, 0.0, 1.0)));
      budget = std::min(remaining, std::max(share, policy.min_per_try));
    }
    set_deadline_header(request, budget);
    {
      // Named, and straight into the result: the call's arguments and its
      // Outcome are not kept in this coroutine's frame as well.
      InFlight in_flight(*target);
      auto sending = client.send(target->address(), request,
                                 {.deadline = budget, .allow_retry = false, .replayable = replayable});
      result.outcome = co_await std::move(sending);
    }
    const http_client::Outcome& outcome = *result.outcome;
    if (target->record_result(classify(outcome, policy.outlier), policy.outlier, Clock::now()) &&
        policy.on_ejected) {
      policy.on_ejected(*target);
    }
    const bool sent = outcome.request_sent;
    // A replica answering 502/503/504 is overloaded, draining or cut off
    // from its own dependencies; another may not be.
    const bool answered = outcome.ok() && !(idempotent_method && is_gateway_failure(outcome.response.status));
    if (answered) break;
    if (sent) {
      ++sent_attempts;
      const bool connection_broke = outcome.failure == http_client::Failure::kReset ||
                                    outcome.failure == http_client::Failure::kProtocol;
      const bool may_repeat = idempotent_method || (replayable && connection_broke);
      if (!may_repeat || sent_attempts >= policy.max_attempts) break;
    }
  }
  co_return result;
}

}  // namespace cafe::upstream
