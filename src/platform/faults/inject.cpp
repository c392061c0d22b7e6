#include "platform/faults/inject.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cafe::faults {

namespace asio = boost::asio;

asio::awaitable<void> sleep_unless_shut_down(Registry& registry, std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds kSlice{50};
  auto executor = co_await asio::this_coro::executor;
  const auto until = std::chrono::steady_clock::now() + duration;
  asio::steady_timer timer(executor);
  while (!registry.shutting_down()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    timer.expires_after(std::min<std::chrono::steady_clock::duration>(left, kSlice));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<std::optional<Error>> inject_if_live(Registry& registry, const char* target,
                                                     std::optional<Deadline> deadline) {
  if (registry.empty()) co_return std::nullopt;
  std::string name = target;  // DESIGN §9: named before co_await
  co_return co_await inject(registry, std::move(name), deadline);
}

asio::awaitable<std::optional<Error>> inject(Registry& registry, std::string target,
                                             std::optional<Deadline> deadline) {
  if (registry.empty()) co_return std::nullopt;
  auto action = registry.decide(target, std::chrono::system_clock::now());
  if (!action) co_return std::nullopt;
  const std::string what = "injected fault " + action->fault_id + " on " + target;
  if (action->kind == Kind::kLatency || action->kind == Kind::kTimeout) {
    if (deadline && deadline->remaining() < action->latency) {
      co_await sleep_unless_shut_down(registry, deadline->remaining());
      co_return Error::make(ErrorCode::kDeadlineExceeded, what + ": the caller's deadline passed");
    }
    co_await sleep_unless_shut_down(registry, action->latency);
  }
  switch (action->kind) {
    case Kind::kLatency:
      co_return std::nullopt;
    case Kind::kTimeout:
      co_return Error::make(ErrorCode::kDeadlineExceeded, what + ": timed out");
    case Kind::kThrottle:
      co_return Error::make(ErrorCode::kResourceExhausted, what + ": throttled");
    case Kind::kError:
      co_return Error::unavailable(what);
  }
  co_return std::nullopt;
}

}  // namespace cafe::faults
