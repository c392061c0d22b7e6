// Everything the client keeps per target: the keep-alive pool, the breaker,
// the retry budget and the bound metric handles.
//
// The pool holds at most `max_connections` connections, busy plus idle.
// Idle connections are reused last-in first-out, so under light load the
// oldest ones age out (idle_timeout) instead of all staying half-used.
#pragma once

#include "platform/http_client/client.h"
#include "platform/http_client/client_connection.h"
#include "platform/http_client/client_metrics.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::http_client::detail {

class TargetState;

// A connection checked out of a pool; gives it back (or closes it) on
// destruction. Call keep() once an exchange left the connection reusable.
class Lease {
 public:
  Lease() = default;
  Lease(TargetState* owner, std::unique_ptr<Connection> connection)
      : owner_(owner), connection_(std::move(connection)) {}
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();

  Connection& connection() const { return *connection_; }
  bool reused() const { return connection_->reused; }
  void keep() { reusable_ = true; }
  // Closes this connection and takes a fresh, unconnected one in its place.
  void replace_with_fresh(const boost::asio::any_io_executor& executor);

 private:
  void release();

  TargetState* owner_ = nullptr;
  std::unique_ptr<Connection> connection_;
  bool reusable_ = false;
};

struct PoolLimits {
  std::size_t max_connections = 0;
  std::size_t max_idle = 0;
  std::chrono::milliseconds idle_timeout{0};
};

class TargetState {
 public:
  TargetState(Target target, PoolLimits limits, const ClientOptions& options, TargetMetrics metrics);
  ~TargetState();
  TargetState(const TargetState&) = delete;
  TargetState& operator=(const TargetState&) = delete;

  // True when a connection can be had without exceeding the bound.
  bool has_capacity() const noexcept {
    return !idle_.empty() || busy_ + idle_.size() < limits_.max_connections;
  }
  // The most recently used idle connection, else a fresh unconnected one.
  // Requires has_capacity().
  Lease checkout(const boost::asio::any_io_executor& executor, Clock::time_point now);
  // Closes idle connections unused for idle_timeout.
  void sweep(Clock::time_point now);
  // Closes every idle connection; busy ones close when given back.
  void close();

  const Target& target() const noexcept { return target_; }
  const std::string& host_header() const noexcept { return host_header_; }
  const std::optional<boost::asio::ip::tcp::endpoint>& endpoint() const noexcept { return endpoint_; }
  resilience::CircuitBreaker& breaker() noexcept { return breaker_; }
  resilience::RetryBudget& budget() noexcept { return budget_; }
  const TargetMetrics& metrics() const noexcept { return metrics_; }
  std::size_t idle_count() const noexcept { return idle_.size(); }
  std::size_t busy_count() const noexcept { return busy_; }

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Connection> connection, bool reusable);

  Target target_;
  std::string host_header_;
  std::optional<boost::asio::ip::tcp::endpoint> endpoint_;  // set for IP literals
  PoolLimits limits_;
  resilience::CircuitBreaker breaker_;
  resilience::RetryBudget budget_;
  TargetMetrics metrics_;
  std::vector<std::unique_ptr<Connection>> idle_;  // most recently used at the back
  std::size_t busy_ = 0;
  bool closed_ = false;
};

}  // namespace cafe::http_client::detail
