#include "platform/core/socket_deadline.h"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace cafe {

namespace {
constexpr SocketDeadline::Clock::time_point kNever = SocketDeadline::Clock::time_point::max();
}  // namespace

struct SocketDeadline::State {
  State(boost::asio::ip::tcp::socket& s, Clock::duration sleep)
      : socket(&s), timer(s.get_executor()), max_sleep(sleep) {}

  boost::asio::ip::tcp::socket* socket;  // null once the SocketDeadline is gone
  boost::asio::steady_timer timer;
  Clock::duration max_sleep;
  Clock::time_point at = kNever;        // the deadline; kNever: none
  Clock::time_point wakes_at = kNever;  // end of the pending wait; kNever: none pending
  bool expired = false;

  static void arm(const std::shared_ptr<State>& self, Clock::time_point now) {
    // Never past the deadline, never longer than max_sleep (saturating).
    const Clock::time_point limit = now < kNever - self->max_sleep ? now + self->max_sleep : kNever;
    self->wakes_at = std::min(self->at, limit);
    // Cancels the pending wait, if any: its handler sees operation_aborted.
    self->timer.expires_at(self->wakes_at);
    self->timer.async_wait([self](const boost::system::error_code& ec) { fire(self, ec); });
  }

  static void fire(const std::shared_ptr<State>& self, const boost::system::error_code& ec) {
    // Aborted: a newer wait replaced this one, or the owner is gone.
    if (ec || self->socket == nullptr) return;
    self->wakes_at = kNever;
    if (self->at == kNever) return;  // between operations: the next deadline arms again
    const auto now = Clock::now();
    if (now < self->at) {
      arm(self, now);
      return;
    }
    self->expired = true;
    boost::system::error_code ignored;
    self->socket->close(ignored);
  }
};

SocketDeadline::SocketDeadline(boost::asio::ip::tcp::socket& socket, Clock::duration max_sleep)
    : state_(std::make_shared<State>(socket,
                                     std::max(max_sleep, Clock::duration(std::chrono::milliseconds(1))))) {}

SocketDeadline::~SocketDeadline() {
  state_->socket = nullptr;
  state_->timer.cancel();
}

void SocketDeadline::expires_at(Clock::time_point at) {
  state_->at = at;
  state_->expired = false;
  // A pending wait that ends by `at` rechecks then; only an earlier
  // deadline needs the timer moved.
  if (at < state_->wakes_at) State::arm(state_, Clock::now());
}

void SocketDeadline::clear() noexcept {
  state_->at = kNever;
}

bool SocketDeadline::expired() const noexcept {
  return state_->expired;
}

}  // namespace cafe
