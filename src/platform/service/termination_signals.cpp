#include "platform/service/termination_signals.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>

namespace cafe::service {

struct TerminationSignals::Impl {
  boost::asio::io_context context{1};
  boost::asio::signal_set signals{context, SIGINT, SIGTERM};
};

TerminationSignals::TerminationSignals() : impl_(std::make_unique<Impl>()) {}

TerminationSignals::~TerminationSignals() = default;

int TerminationSignals::wait() {
  int received = 0;
  impl_->signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (!ec) received = signal;
  });
  impl_->context.restart();
  impl_->context.run();
  return received;
}

int TerminationSignals::wait_for(std::chrono::milliseconds timeout) {
  int received = 0;
  bool fired = false;
  impl_->signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    fired = true;
    if (!ec) received = signal;
  });
  impl_->context.restart();
  impl_->context.run_for(timeout);
  if (!fired) {
    // Withdraw the wait: a signal arriving later stays queued for the next call.
    impl_->signals.cancel();
    impl_->context.restart();
    impl_->context.run();
  }
  return received;
}

}  // namespace cafe::service
