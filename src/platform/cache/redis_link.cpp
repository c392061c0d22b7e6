#include "platform/cache/internal/redis_link.h"

#include <boost/asio/write.hpp>

#include <string>
#include <utility>

namespace cafe::cache::internal {

namespace asio = boost::asio;
using asio::ip::tcp;

RedisLink::RedisLink(const asio::any_io_executor& ex, std::shared_ptr<const RedisOptions> options)
    : ex_(ex),
      options_(std::move(options)),
      socket_(ex),
      resolver_(ex),
      connect_timer_(ex),
      command_timer_(ex) {}

void RedisLink::start() {
  state_ = State::kConnecting;
  connect_timer_.expires_after(options_->connect_timeout);
  connect_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->state_ == State::kConnecting)
      self->fail(Error::unavailable("redis connect timed out"), false);
  });

  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_->host, ec);
  if (!ec) {
    connect(tcp::endpoint(address, static_cast<unsigned short>(options_->port)));
    return;
  }
  resolver_.async_resolve(options_->host, std::to_string(options_->port),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      const tcp::resolver::results_type& results) {
                            if (self->state_ != State::kConnecting) return;
                            if (ec || results.empty()) {
                              self->fail(Error::unavailable("redis host does not resolve"), false);
                              return;
                            }
                            self->connect(results.begin()->endpoint());
                          });
}

void RedisLink::connect(const tcp::endpoint& endpoint) {
  socket_.async_connect(
      endpoint, [self = shared_from_this()](const boost::system::error_code& ec) { self->on_connected(ec); });
}

void RedisLink::on_connected(const boost::system::error_code& ec) {
  if (state_ != State::kConnecting) return;
  if (ec) {
    fail(Error::unavailable("redis connect failed: " + ec.message()), false);
    return;
  }
  state_ = State::kOpen;
  connect_timer_.cancel();
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  const auto deadline = Clock::now() + options_->command_timeout;
  for (auto& p : pending_) p.deadline = deadline;
  arm_timer();
  read_some();
  flush();
}

void RedisLink::submit(std::string_view command, ReplyCompletion done) {
  if (state_ == State::kDead) {
    done->complete(Error::unavailable("redis connection closed"));
    return;
  }
  if (pending_.size() >= options_->max_pending) {
    done->complete(Error::unavailable("redis pipeline full"));
    return;
  }
  const auto deadline =
      state_ == State::kOpen ? Clock::now() + options_->command_timeout : Clock::time_point::max();
  pending_.push_back(Pending{std::move(done), deadline});
  queued_ += command;
  if (state_ == State::kOpen) {
    arm_timer();
    flush();
  }
}

void RedisLink::flush() {
  if (write_in_flight_ || queued_.empty() || state_ != State::kOpen) return;
  // Everything queued so far goes out in one write: pipelining for free.
  writing_.clear();
  writing_.swap(queued_);
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->write_in_flight_ = false;
                      if (self->state_ != State::kOpen) return;
                      if (ec) {
                        self->fail(Error::unavailable("redis write failed: " + ec.message()), false);
                        return;
                      }
                      self->flush();
                    });
}

void RedisLink::read_some() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t size) {
                            self->on_read(ec, size);
                          });
}

void RedisLink::on_read(const boost::system::error_code& ec, std::size_t size) {
  if (state_ != State::kOpen) return;
  if (ec) {
    fail(Error::unavailable("redis connection lost: " + ec.message()), false);
    return;
  }
  if (auto fed = reader_.feed(read_buffer_.data(), size); !fed) {
    fail(fed.error(), false);
    return;
  }
  for (;;) {
    auto reply = reader_.next();
    if (!reply) {
      fail(reply.error(), false);
      return;
    }
    if (!reply->has_value()) break;
    if (pending_.empty()) {
      fail(Error::unavailable("redis sent a reply nobody asked for"), false);
      return;
    }
    had_reply_ = true;
    auto done = std::move(pending_.front().done);
    pending_.pop_front();
    done->complete(std::move(**reply));
  }
  read_some();
}

void RedisLink::arm_timer() {
  if (timer_armed_ || pending_.empty() || state_ != State::kOpen) return;
  // Deadlines grow along the FIFO, so the front's is the next to expire. The
  // timer is not moved when the front is answered: it fires at the old
  // deadline and re-arms for the new front, one wait per timeout period
  // instead of one per command.
  timer_armed_ = true;
  command_timer_.expires_at(pending_.front().deadline);
  command_timer_.async_wait(
      [self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); });
}

void RedisLink::on_timer(const boost::system::error_code& ec) {
  timer_armed_ = false;
  if (ec || state_ != State::kOpen || pending_.empty()) return;
  if (pending_.front().deadline <= Clock::now()) {
    fail(Error::make(ErrorCode::kDeadlineExceeded, "redis command timed out"), true);
    return;
  }
  arm_timer();
}

void RedisLink::close(Error why) {
  fail(std::move(why), false);
}

void RedisLink::fail(Error why, bool timed_out) {
  if (state_ == State::kDead) return;
  state_ = State::kDead;
  died_at_ = Clock::now();
  boost::system::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  connect_timer_.cancel();
  command_timer_.cancel();
  queued_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending) {
    if (timed_out && p.deadline > died_at_) {
      p.done->complete(Error::unavailable("redis connection closed after a timeout"));
    } else {
      p.done->complete(why);
    }
  }
}

}  // namespace cafe::cache::internal
