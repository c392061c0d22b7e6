#include "platform/core/socket_deadline.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

namespace cafe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A connected pair of loopback sockets on one io_context.
struct Pair {
  asio::io_context ctx;
  tcp::socket near{ctx};
  tcp::socket far{ctx};

  Pair() {
    tcp::acceptor acceptor(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    near.connect(acceptor.local_endpoint());
    acceptor.accept(far);
  }
};

struct ReadResult {
  boost::system::error_code ec;
  Clock::time_point at;  // when the read completed
};

// Reads once from `socket`, then clears the deadline as its users do
// after each operation; the result is there once ctx has run.
void read_once(tcp::socket& socket, SocketDeadline& deadline, std::optional<ReadResult>& out) {
  asio::co_spawn(
      socket.get_executor(),
      [&socket, &deadline, &out]() -> asio::awaitable<void> {
        char byte = 0;
        auto [ec, n] =
            co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
        if (!ec) deadline.clear();
        out = ReadResult{ec, Clock::now()};
      },
      asio::detached);
}

TEST(SocketDeadline, ClosesTheSocketWhenAReadOutlivesIt) {
  Pair p;
  SocketDeadline deadline(p.near);
  std::optional<ReadResult> read;
  const auto set_at = Clock::now();
  deadline.expires_after(50ms);
  read_once(p.near, deadline, read);
  p.ctx.run_for(5s);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->ec, asio::error::operation_aborted);
  EXPECT_GE(read->at - set_at, 50ms);
  EXPECT_TRUE(deadline.expired());
  EXPECT_FALSE(p.near.is_open());
}

TEST(SocketDeadline, AnEarlierDeadlineReplacesALaterOne) {
  Pair p;
  SocketDeadline deadline(p.near);
  std::optional<ReadResult> read;
  const auto set_at = Clock::now();
  deadline.expires_after(1h);
  deadline.expires_after(50ms);
  read_once(p.near, deadline, read);
  p.ctx.run_for(5s);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->ec, asio::error::operation_aborted);
  EXPECT_LT(read->at - set_at, 4s);
  EXPECT_TRUE(deadline.expired());
}

TEST(SocketDeadline, ALaterDeadlineKeepsTheSocketOpenPastTheFirst) {
  Pair p;
  // The timer wakes every 20 ms and finds the deadline moved on.
  SocketDeadline deadline(p.near, 20ms);
  std::optional<ReadResult> read;
  deadline.expires_after(50ms);
  read_once(p.near, deadline, read);
  asio::steady_timer later(p.ctx, 30ms);
  later.async_wait([&](boost::system::error_code) { deadline.expires_after(150ms); });
  asio::steady_timer answer(p.ctx, 120ms);
  answer.async_wait([&](boost::system::error_code) { asio::write(p.far, asio::buffer("x", 1)); });
  p.ctx.run_for(5s);
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->ec) << read->ec.message();
  EXPECT_FALSE(deadline.expired());
  EXPECT_TRUE(p.near.is_open());
}

TEST(SocketDeadline, LeavesTheSocketOpenOnceCleared) {
  Pair p;
  SocketDeadline deadline(p.near, 10ms);
  deadline.expires_after(30ms);
  deadline.clear();
  p.ctx.run_for(100ms);
  EXPECT_FALSE(deadline.expired());
  EXPECT_TRUE(p.near.is_open());
}

TEST(SocketDeadline, IsSafeToDestroyWhileItsTimerIsPending) {
  Pair p;
  {
    SocketDeadline deadline(p.near);
    deadline.expires_after(10ms);
  }
  p.ctx.run_for(50ms);
  EXPECT_TRUE(p.near.is_open());
}

}  // namespace
}  // namespace cafe
