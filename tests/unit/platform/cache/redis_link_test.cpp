// The Redis backend against a scripted in-process server (no redis-server
// needed): deadlines, backoff, the pipeline bound, protocol errors and
// lifetimes. The conformance suite covers the real server.
#include "platform/cache/cache.h"
#include "unit/platform/cache/result_text.h"
#include "unit/platform/cache/run_sync.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

namespace cafe::cache {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using testing::kMiss;
using testing::run_sync;
using testing::text;
using Clock = std::chrono::steady_clock;

// Accepts connections on a loopback port and misbehaves as told.
class ScriptedServer {
 public:
  enum class Mode { kSilent, kCloseAtOnce, kGarbage, kNil };

  ScriptedServer(asio::io_context& io, Mode mode)
      : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)), mode_(mode) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }

  int port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }
  int closed_by_peer() const { return closed_by_peer_; }
  void stop() { acceptor_.close(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++accepted_;
      auto session = serve(std::make_shared<tcp::socket>(std::move(socket)));
      asio::co_spawn(acceptor_.get_executor(), std::move(session), asio::detached);
    }
  }

  asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket) {
    if (mode_ == Mode::kCloseAtOnce) co_return;
    char buffer[4096];
    boost::system::error_code ec;
    for (;;) {
      co_await socket->async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        ++closed_by_peer_;
        co_return;
      }
      // One reply per read: good enough for one command at a time.
      if (mode_ == Mode::kGarbage) {
        co_await asio::async_write(*socket, asio::buffer("?garbage\r\n", 10),
                                   asio::redirect_error(asio::use_awaitable, ec));
      } else if (mode_ == Mode::kNil) {
        co_await asio::async_write(*socket, asio::buffer("$-1\r\n", 5),
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
    }
  }

  tcp::acceptor acceptor_;
  Mode mode_;
  int accepted_ = 0;
  int closed_by_peer_ = 0;
};

RedisOptions options_for(int port) {
  return RedisOptions{.host = "127.0.0.1",
                      .port = port,
                      .connect_timeout = 500ms,
                      .command_timeout = 100ms,
                      .max_pending = 1024,
                      .key_prefix = "test:"};
}

TEST(RedisCacheDeadlines, CommandWithoutReplyTimesOutAtItsDeadline) {
  asio::io_context io;
  ScriptedServer server(io, ScriptedServer::Mode::kSilent);
  auto cache = make_redis_cache(options_for(server.port()));
  const auto start = Clock::now();
  auto result = run_sync(io, cache->get("k"));
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 600ms);
}

TEST(RedisCacheDeadlines, AFailedConnectionMakesTheNextCallsFailFastUntilTheBackoffEnds) {
  asio::io_context io;
  ScriptedServer server(io, ScriptedServer::Mode::kCloseAtOnce);
  auto cache = make_redis_cache(options_for(server.port()));
  auto first = run_sync(io, cache->get("k"));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(server.accepted(), 1);

  // Within the first 100 ms of backoff nobody connects again.
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto again = run_sync(io, cache->get("k"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kUnavailable);
  }
  EXPECT_LT(Clock::now() - start, 100ms);
  EXPECT_EQ(server.accepted(), 1);

  std::this_thread::sleep_for(120ms);
  auto later = run_sync(io, cache->get("k"));
  ASSERT_FALSE(later);
  EXPECT_EQ(server.accepted(), 2);
}

TEST(RedisCacheDeadlines, RefusesCommandsBeyondMaxPending) {
  asio::io_context io;
  ScriptedServer server(io, ScriptedServer::Mode::kSilent);
  auto options = options_for(server.port());
  options.max_pending = 4;
  auto cache = make_redis_cache(options);
  std::vector<ErrorCode> codes;
  for (int i = 0; i < 6; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto r = co_await cache->get("k");
          codes.push_back(r ? ErrorCode::kInternal : r.error().code);
          if (codes.size() == 6) server.stop();
        },
        asio::detached);
  }
  io.run();
  ASSERT_EQ(codes.size(), 6u);
  // The refused ones answer at once, before the others' deadline.
  EXPECT_EQ(codes[0], ErrorCode::kUnavailable);
  EXPECT_EQ(codes[1], ErrorCode::kUnavailable);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(codes[i], ErrorCode::kDeadlineExceeded) << i;
}

TEST(RedisCacheDeadlines, ProtocolGarbageFailsTheCommand) {
  asio::io_context io;
  ScriptedServer server(io, ScriptedServer::Mode::kGarbage);
  auto cache = make_redis_cache(options_for(server.port()));
  auto result = run_sync(io, cache->set("k", "v", 1s));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

TEST(RedisCacheDeadlines, UnresolvableHostFailsWithinTheConnectTimeout) {
  asio::io_context io;
  auto options = options_for(1);
  options.host = "no-such-host.invalid";
  auto cache = make_redis_cache(options);
  const auto start = Clock::now();
  auto result = run_sync(io, cache->get("k"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST(RedisCacheLifetime, DestroyingTheCacheClosesItsConnectionOnTheIoContext) {
  asio::io_context io;
  ScriptedServer server(io, ScriptedServer::Mode::kNil);
  auto cache = make_redis_cache(options_for(server.port()));
  auto miss = run_sync(io, cache->get("k"));
  ASSERT_EQ(text(miss), kMiss);
  ASSERT_EQ(server.accepted(), 1);
  cache.reset();
  io.restart();
  io.run_for(50ms);
  EXPECT_EQ(server.closed_by_peer(), 1);
}

TEST(RedisCacheLifetime, AnIoContextMayBeDestroyedBeforeTheCache) {
  asio::io_context server_io;
  ScriptedServer server(server_io, ScriptedServer::Mode::kSilent);
  std::thread server_thread([&] { server_io.run_for(500ms); });
  auto cache = make_redis_cache(options_for(server.port()));
  {
    asio::io_context io;
    asio::co_spawn(io, cache->get("k"), asio::detached);
    io.run_for(30ms);  // connected, the command is pending
  }
  cache.reset();  // must not touch the destroyed io_context
  server_thread.join();
  EXPECT_EQ(server.accepted(), 1);
}

}  // namespace
}  // namespace cafe::cache
