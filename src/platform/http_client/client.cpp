#include "platform/http_client/client.h"

#include "platform/http_client/client_connection.h"
#include "platform/http_client/client_metrics.h"
#include "platform/http_client/client_pool.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>
#include <unordered_map>

namespace cafe::http_client {
namespace net = boost::asio;
using detail::Clock;

namespace {

std::uint64_t seed_from(std::uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

bool is_retryable_status(int status) {
  return status == 502 || status == 503 || status == 504;
}

bool nothing_sent(Failure f) {
  return f == Failure::kConnect || f == Failure::kPoolExhausted;
}

// A target's identity without building a "host:port" string per lookup.
struct TargetKey {
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const TargetKey&, const TargetKey&) = default;
};

struct TargetKeyHash {
  std::size_t operator()(const TargetKey& k) const noexcept {
    return std::hash<std::string_view>{}(k.host) * 31 + k.port;
  }
};

}  // namespace

class Client::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::any_io_executor executor, ClientOptions options, prometheus::Registry* registry)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        metrics_(registry, options_.service),
        rng_(seed_from(options_.seed)),
        backoff_(options_.backoff),
        sweep_timer_(executor_) {
    options_.max_attempts = std::max(options_.max_attempts, 1);
    options_.max_connections_per_target = std::max<std::size_t>(options_.max_connections_per_target, 1);
    options_.max_idle_per_target =
        std::min(options_.max_idle_per_target, options_.max_connections_per_target);
  }

  void start_sweeper() {
    auto self = shared_from_this();
    net::co_spawn(executor_, sweep_loop(self), net::detached);
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    sweep_timer_.cancel();
    for (auto& [key, state] : targets_) state->close();
  }

  // `self` keeps the internals alive if the Client goes first.
  net::awaitable<Outcome> send(std::shared_ptr<Impl> self, Target target, const Request& request,
                               CallOptions call);
  bool breaker_open(const Target& target) const;

 private:
  net::awaitable<void> sweep_loop(std::shared_ptr<Impl> self);
  detail::TargetState* find_or_add(const Target& target);
  net::awaitable<Outcome> attempt(detail::TargetState& state, const Request& request,
                                  Clock::time_point deadline, bool replayable);
  void record_breaker(detail::TargetState& state, const Outcome& o);

  net::any_io_executor executor_;
  ClientOptions options_;
  detail::Metrics metrics_;
  std::mt19937_64 rng_;
  resilience::Backoff backoff_;
  net::steady_timer sweep_timer_;
  std::unordered_map<TargetKey, std::unique_ptr<detail::TargetState>, TargetKeyHash> targets_;
  bool closed_ = false;
};

net::awaitable<void> Client::Impl::sweep_loop(std::shared_ptr<Impl> self) {
  const auto period = std::max<Clock::duration>(options_.idle_timeout / 2, std::chrono::milliseconds(50));
  while (!closed_) {
    sweep_timer_.expires_after(period);
    auto [ec] = co_await sweep_timer_.async_wait(net::as_tuple(net::use_awaitable));
    if (ec || closed_) break;
    const auto now = Clock::now();
    for (auto& [key, state] : targets_) state->sweep(now);
  }
}

bool Client::Impl::breaker_open(const Target& target) const {
  auto it = targets_.find(TargetKey{target.host, target.port});
  if (it == targets_.end()) return false;
  return it->second->breaker().state(Clock::now()) == resilience::CircuitBreaker::State::kOpen;
}

detail::TargetState* Client::Impl::find_or_add(const Target& target) {
  if (auto it = targets_.find(TargetKey{target.host, target.port}); it != targets_.end()) {
    return it->second.get();
  }
  if (targets_.size() >= options_.max_targets) return nullptr;
  detail::PoolLimits limits{options_.max_connections_per_target, options_.max_idle_per_target,
                            options_.idle_timeout};
  auto state =
      std::make_unique<detail::TargetState>(target, limits, options_, metrics_.bind(target.to_string()));
  return targets_.emplace(TargetKey{target.host, target.port}, std::move(state)).first->second.get();
}

void Client::Impl::record_breaker(detail::TargetState& state, const Outcome& o) {
  const auto now = Clock::now();
  switch (o.failure) {
    case Failure::kNone:
      if (o.response.status >= 500) {
        state.breaker().record_failure(now);
      } else {
        state.breaker().record_success(now);
      }
      break;
    case Failure::kTooLarge:  // the upstream answered; the limit is ours
      state.breaker().record_success(now);
      break;
    case Failure::kConnect:
    case Failure::kTimeout:
    case Failure::kReset:
    case Failure::kProtocol:
      state.breaker().record_failure(now);
      break;
    case Failure::kBreakerOpen:
    case Failure::kPoolExhausted:
      return;  // no call was made
  }
  state.metrics().set_breaker(state.breaker().state(now));
}

net::awaitable<Outcome> Client::Impl::attempt(detail::TargetState& state, const Request& request,
                                              Clock::time_point deadline, bool replayable) {
  Outcome o;
  if (!state.has_capacity()) {
    o.failure = Failure::kPoolExhausted;
    o.detail = "all connections to the target are busy";
    co_return o;
  }
  const auto now = Clock::now();
  if (!state.breaker().allow(now)) {
    o.failure = Failure::kBreakerOpen;
    o.detail = "circuit breaker open";
    state.metrics().set_breaker(state.breaker().state(now));
    co_return o;
  }
  detail::Lease lease = state.checkout(executor_, now);
  // A pooled connection the server has closed is seen here, before a byte
  // is written, and replaced: the common stale case costs no guess.
  if (lease.reused() && !detail::still_open(lease.connection())) lease.replace_with_fresh(executor_);
  const detail::Limits limits{options_.max_response_header, options_.max_response_body};
  // A reused connection can still die in the instant between that check and
  // the write, or the server can read the request and then close (killed,
  // or its drain deadline passed). Both look the same from here, so the
  // request goes out again, on a fresh connection, only when receiving it
  // twice is harmless; otherwise the call fails with the request sent.
  for (int pass = 0; pass < 2; ++pass) {
    if (!lease.reused()) {
      const auto connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
      detail::Step opened = co_await detail::open(lease.connection(), state.target(), state.endpoint(),
                                                  connect_deadline, deadline);
      if (opened.failure != Failure::kNone) {
        o.failure = opened.failure;
        o.detail = std::move(opened.detail);
        break;
      }
    }
    detail::Exchange ex = co_await detail::exchange(lease.connection(), state.host_header(), request, limits,
                                                    deadline, o.response);
    // Once sent on any pass, the request stays sent whatever follows.
    o.request_sent = o.request_sent || ex.sent;
    if (ex.stale && pass == 0 && replayable) {
      lease.replace_with_fresh(executor_);
      continue;
    }
    o.failure = ex.failure;
    o.detail = std::move(ex.detail);
    if (ex.failure == Failure::kNone && ex.keep_alive) lease.keep();
    break;
  }
  record_breaker(state, o);
  co_return o;
}

net::awaitable<Outcome> Client::Impl::send(std::shared_ptr<Impl> /*self*/, Target target,
                                           const Request& request, CallOptions call) {
  const auto started = Clock::now();
  const auto deadline = started + call.deadline;
  Outcome result;
  if (closed_) {
    result.failure = Failure::kConnect;
    result.detail = "client closed";
    co_return result;
  }
  if (auto why = detail::invalid_request(request)) {
    result.failure = Failure::kProtocol;
    result.detail = std::move(*why);
    co_return result;
  }
  detail::TargetState* state = find_or_add(target);
  if (state == nullptr) {
    result.failure = Failure::kPoolExhausted;
    result.detail = "too many targets";
    co_return result;
  }
  state->budget().record_request(started);
  const bool idempotent = http::is_idempotent(request.method);
  bool sent = false;
  for (int attempt_no = 1;; ++attempt_no) {
    result = co_await attempt(*state, request, deadline, call.replayable || idempotent);
    result.attempts = attempt_no;
    sent = sent || result.request_sent;
    const bool retryable_failure =
        (nothing_sent(result.failure) && !sent) ||
        (idempotent && (nothing_sent(result.failure) || result.failure == Failure::kReset ||
                        result.failure == Failure::kProtocol));
    const bool retryable_status = idempotent && result.ok() && is_retryable_status(result.response.status);
    if (!(retryable_failure || retryable_status) || !call.allow_retry ||
        attempt_no >= options_.max_attempts || closed_) {
      break;
    }
    const auto delay = backoff_.delay(attempt_no, rng_);
    const auto now = Clock::now();
    if (now + delay >= deadline || !state->budget().try_spend_retry(now)) break;
    state->metrics().count_retry();
    net::steady_timer pause(executor_, delay);
    co_await pause.async_wait(net::as_tuple(net::use_awaitable));
  }
  result.request_sent = sent;
  state->metrics().count_call(result, std::chrono::duration<double>(Clock::now() - started).count());
  co_return result;
}

Client::Client(net::any_io_executor executor, ClientOptions options, prometheus::Registry* metrics)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), metrics)) {
  impl_->start_sweeper();
}

Client::~Client() {
  impl_->close();
}

void Client::close() {
  impl_->close();
}

bool Client::breaker_open(const Target& target) const {
  return impl_->breaker_open(target);
}

net::awaitable<Outcome> Client::send(Target target, const Request& request, CallOptions options) {
  return impl_->send(impl_, std::move(target), request, options);
}

}  // namespace cafe::http_client
