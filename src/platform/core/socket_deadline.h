// A deadline for the reads and writes on one socket that costs a store to
// move, not a timer reschedule. Beast's tcp_stream starts and cancels a
// timer wait around every operation; on the gateway that was several
// timer-queue insertions and removals per request (bench/RESULTS.md).
//
// One timer per socket, armed lazily: only when no wait is pending or when a
// deadline earlier than the pending wait is set. A wait never sleeps longer
// than `max_sleep`, so a deadline set with at least `max_sleep` of budget
// never needs a reschedule. When the timer fires it closes the socket if the
// deadline has passed (pending operations complete with operation_aborted
// and expired() is true), else sleeps on towards the current deadline.
//
// Set a deadline before each operation and clear() it before waiting on
// anything else (a handler, the pool): the deadline covers operations on
// the socket only. Use from the socket's executor only; destroy the
// SocketDeadline before the socket.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>

namespace cafe {

class SocketDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SocketDeadline(boost::asio::ip::tcp::socket& socket,
                          Clock::duration max_sleep = std::chrono::hours(24));
  ~SocketDeadline();
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;

  void expires_at(Clock::time_point at);
  void expires_after(Clock::duration budget) { expires_at(Clock::now() + budget); }
  // No deadline until the next expires_at().
  void clear() noexcept;
  // The deadline passed while it was set, and the socket was closed.
  bool expired() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the pending wait, which may outlive this
};

}  // namespace cafe
