#include "platform/faults/inject.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cafe::faults {

namespace asio = boost::asio;

asio::awaitable<std::optional<Error>> inject(Registry& registry, std::string target) {
  if (registry.empty()) co_return std::nullopt;
  auto action = registry.decide(target, std::chrono::system_clock::now());
  if (!action) co_return std::nullopt;
  const std::string what = "injected fault " + action->fault_id + " on " + target;
  if (action->kind == Kind::kLatency || action->kind == Kind::kTimeout) {
    asio::steady_timer timer(co_await asio::this_coro::executor, action->latency);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  switch (action->kind) {
    case Kind::kLatency: co_return std::nullopt;
    case Kind::kTimeout: co_return Error::make(ErrorCode::kDeadlineExceeded, what + ": timed out");
    case Kind::kThrottle: co_return Error::make(ErrorCode::kResourceExhausted, what + ": throttled");
    case Kind::kError: co_return Error::unavailable(what);
  }
  co_return std::nullopt;
}

}  // namespace cafe::faults
