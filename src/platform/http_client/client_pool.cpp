#include "platform/http_client/client_pool.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace cafe::http_client::detail {

Lease::Lease(Lease&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      connection_(std::move(other.connection_)),
      reusable_(std::exchange(other.reusable_, false)) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    connection_ = std::move(other.connection_);
    reusable_ = std::exchange(other.reusable_, false);
  }
  return *this;
}

Lease::~Lease() {
  release();
}

void Lease::release() {
  if (owner_ != nullptr && connection_) owner_->give_back(std::move(connection_), reusable_);
  owner_ = nullptr;
  reusable_ = false;
}

void Lease::replace_with_fresh(const boost::asio::any_io_executor& executor) {
  connection_ = std::make_unique<Connection>(executor);
  reusable_ = false;
}

TargetState::TargetState(Target target, PoolLimits limits, const ClientOptions& options,
                         TargetMetrics metrics)
    : target_(std::move(target)),
      host_header_(target_.to_string()),
      limits_(limits),
      breaker_(options.breaker),
      budget_(options.retry_budget),
      metrics_(metrics) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(target_.host, ec);
  if (!ec) endpoint_.emplace(address, target_.port);
  idle_.reserve(std::min<std::size_t>(limits_.max_idle, 64));
  metrics_.set_breaker(resilience::CircuitBreaker::State::kClosed);
}

TargetState::~TargetState() {
  metrics_.add_idle(-static_cast<double>(idle_.size()));
  metrics_.add_busy(-static_cast<double>(busy_));
}

Lease TargetState::checkout(const boost::asio::any_io_executor& executor, Clock::time_point now) {
  sweep(now);
  ++busy_;
  metrics_.add_busy(1);
  if (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    metrics_.add_idle(-1);
    return Lease(this, std::move(c));
  }
  return Lease(this, std::make_unique<Connection>(executor));
}

void TargetState::give_back(std::unique_ptr<Connection> connection, bool reusable) {
  --busy_;
  metrics_.add_busy(-1);
  if (!reusable || closed_ || idle_.size() >= limits_.max_idle) return;  // destroying it closes the socket
  connection->reused = true;
  connection->idle_since = Clock::now();
  idle_.push_back(std::move(connection));
  metrics_.add_idle(1);
}

void TargetState::sweep(Clock::time_point now) {
  // The front holds the longest idle connections.
  const auto fresh = std::find_if(idle_.begin(), idle_.end(), [&](const std::unique_ptr<Connection>& c) {
    return c->idle_since + limits_.idle_timeout > now;
  });
  const auto expired = fresh - idle_.begin();
  if (expired == 0) return;
  idle_.erase(idle_.begin(), fresh);
  metrics_.add_idle(-static_cast<double>(expired));
}

void TargetState::close() {
  closed_ = true;
  metrics_.add_idle(-static_cast<double>(idle_.size()));
  idle_.clear();
}

}  // namespace cafe::http_client::detail
