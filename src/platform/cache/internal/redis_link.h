// One TCP connection to Redis, from connect to close; it is never reused
// after it fails (RedisChannel makes the next one, with backoff). Commands
// are pipelined: formatted bytes are appended to a write queue and each
// caller waits in a FIFO for its reply, bounded by max_pending.
//
// Deadlines: connect (resolve included) has connect_timeout; each command
// has command_timeout counted from when it can be written (the connection is
// open), so one call is bounded by connect_timeout + command_timeout. A
// missed deadline, an I/O error or a protocol error closes the connection
// and fails every pending command: the ones past their deadline with
// kDeadlineExceeded, the others with kUnavailable.
//
// Not thread-safe: every member function and every completion runs on the
// executor given at construction, which must not run handlers concurrently
// (an io_context run by one thread, DESIGN §4, or a strand).
#pragma once

#include "platform/cache/cache.h"
#include "platform/cache/internal/redis_protocol.h"
#include "platform/core/completion.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace cafe::cache::internal {

using ReplyCompletion = CompletionPtr<Result<RedisReply>>;

class RedisLink : public std::enable_shared_from_this<RedisLink> {
 public:
  using Clock = std::chrono::steady_clock;

  RedisLink(const boost::asio::any_io_executor& ex, std::shared_ptr<const RedisOptions> options);
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // Begins resolve + connect; commands submitted meanwhile wait in the queue.
  void start();

  // Queues one formatted command. `done` is posted exactly once: with the
  // reply (an error reply is still a reply), or with kUnavailable /
  // kDeadlineExceeded.
  void submit(std::string_view command, ReplyCompletion done);

  // Closes the socket and fails every pending command with `why`.
  void close(Error why);

  bool dead() const noexcept { return state_ == State::kDead; }
  // True once any reply arrived: the server was healthy on this connection.
  bool had_reply() const noexcept { return had_reply_; }
  Clock::time_point died_at() const noexcept { return died_at_; }

 private:
  enum class State { kIdle, kConnecting, kOpen, kDead };
  struct Pending {
    ReplyCompletion done;
    Clock::time_point deadline;  // max() until the connection is open
  };

  void connect(const boost::asio::ip::tcp::endpoint& endpoint);
  void on_connected(const boost::system::error_code& ec);
  void read_some();
  void on_read(const boost::system::error_code& ec, std::size_t size);
  void flush();
  void arm_timer();
  void on_timer(const boost::system::error_code& ec);
  void fail(Error why, bool timed_out);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<const RedisOptions> options_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer command_timer_;
  ReplyReader reader_;

  State state_ = State::kIdle;
  std::deque<Pending> pending_;
  std::string queued_;   // commands not yet handed to the socket
  std::string writing_;  // the bytes of the write in flight
  bool write_in_flight_ = false;
  bool timer_armed_ = false;
  bool had_reply_ = false;
  Clock::time_point died_at_{};
  std::array<char, std::size_t{64} * 1024> read_buffer_;
};

}  // namespace cafe::cache::internal
