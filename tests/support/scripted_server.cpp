#include "support/scripted_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>

namespace cafe::http_client::testing {
namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
}

struct TestServer::State {
  explicit State(net::io_context& ioc) : acceptor(ioc) {}
  tcp::acceptor acceptor;
  std::function<Script(const Seen&, int)> script = [](const Seen&, int) { return Script{}; };
  std::atomic<int> connections = 0;
  std::atomic<int> requests = 0;
  std::atomic<int> closed = 0;
  std::mutex methods_mutex;
  std::map<std::string, int> by_method;  // guarded by methods_mutex
  Seen last;
};

std::string Seen::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) return v;
  }
  return {};
}

namespace {

net::awaitable<void> session(std::shared_ptr<TestServer::State> state, tcp::socket socket) {
  struct CountClose {
    TestServer::State& state;
    ~CountClose() { ++state.closed; }
  } count_close{*state};
  boost::beast::flat_buffer buffer;
  for (;;) {
    bhttp::request<bhttp::string_body> request;
    auto [ec, n] = co_await bhttp::async_read(socket, buffer, request, kUseTuple);
    if (ec) co_return;
    const int request_no = ++state->requests;
    Seen seen;
    seen.method = std::string(request.method_string());
    {
      std::lock_guard lock(state->methods_mutex);
      ++state->by_method[seen.method];
    }
    seen.target = std::string(request.target());
    for (const auto& f : request) seen.headers.emplace_back(f.name_string(), f.value());
    seen.body = request.body();
    state->last = seen;
    const Script script = state->script(seen, request_no);

    if (script.delay.count() > 0) {
      net::steady_timer timer(socket.get_executor(), script.delay);
      co_await timer.async_wait(kUseTuple);
    }
    boost::system::error_code ignored;
    if (script.close_unanswered || script.die) {
      if (script.die) state->acceptor.close(ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      co_return;
    }
    if (!script.interim.empty()) {
      auto [iec, iwritten] = co_await net::async_write(socket, net::buffer(script.interim), kUseTuple);
      if (iec) co_return;
    }
    if (script.reset) {
      socket.set_option(net::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
      co_return;
    }
    if (script.close_after_headers) {
      const std::string head =
          "HTTP/1.1 " + std::to_string(script.status) + " X\r\nContent-Length: 1000\r\n\r\n";
      co_await net::async_write(socket, net::buffer(head), kUseTuple);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      co_return;
    }
    bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(script.status), 11};
    for (const auto& [name, value] : script.headers) response.set(name, value);
    response.body() = script.body;
    response.keep_alive(true);
    response.prepare_payload();
    auto [wec, written] = co_await bhttp::async_write(socket, response, kUseTuple);
    if (wec || script.close_after_response) {
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      co_return;
    }
  }
}

net::awaitable<void> accept_loop(std::shared_ptr<TestServer::State> state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(kUseTuple);
    if (ec) co_return;
    ++state->connections;
    net::co_spawn(state->acceptor.get_executor(), session(state, std::move(socket)), net::detached);
  }
}

}  // namespace

TestServer::TestServer(net::io_context& ioc, std::uint16_t port) : state_(std::make_shared<State>(ioc)) {
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(net::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  net::co_spawn(ioc, accept_loop(state_), net::detached);
}

TestServer::~TestServer() {
  // The acceptor belongs to its context's thread while that runs: close it
  // there (a BackgroundContext), or here when nothing runs the context.
  auto& ioc = static_cast<net::io_context&>(state_->acceptor.get_executor().context());
  auto close = [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  };
  if (ioc.stopped() || ioc.get_executor().running_in_this_thread()) {
    close();
    return;
  }
  std::promise<void> closed;
  net::post(ioc, [&closed, close] {
    close();
    closed.set_value();
  });
  closed.get_future().wait_for(std::chrono::seconds(5));
}

void TestServer::on_request(std::function<Script(const Seen&, int)> script) {
  state_->script = std::move(script);
}
std::uint16_t TestServer::port() const {
  return state_->acceptor.local_endpoint().port();
}
int TestServer::connections() const {
  return state_->connections;
}
int TestServer::closed_connections() const {
  return state_->closed;
}
int TestServer::requests() const {
  return state_->requests;
}
int TestServer::requests(std::string_view method) const {
  std::lock_guard lock(state_->methods_mutex);
  const auto it = state_->by_method.find(std::string(method));
  return it == state_->by_method.end() ? 0 : it->second;
}

BackgroundContext::BackgroundContext()
    : ioc_(std::make_unique<net::io_context>()), thread_(std::make_unique<std::thread>([ioc = ioc_.get()] {
        auto guard = net::make_work_guard(*ioc);
        ioc->run();
      })) {}

BackgroundContext::~BackgroundContext() {
  stop();
}

void BackgroundContext::stop() {
  ioc_->stop();
  if (thread_->joinable()) thread_->join();
}
const Seen& TestServer::last() const {
  return state_->last;
}

std::uint16_t unused_port(net::io_context& ioc) {
  tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

void run(net::io_context& ioc, std::function<net::awaitable<void>()> body) {
  bool done = false;
  std::exception_ptr failure;
  net::co_spawn(ioc, body(), [&](std::exception_ptr e) {
    failure = e;
    done = true;
    ioc.stop();
  });
  net::steady_timer watchdog(ioc, std::chrono::seconds(15));
  watchdog.async_wait([&](boost::system::error_code ec) {
    if (!ec) ioc.stop();
  });
  ioc.restart();
  ioc.run();
  watchdog.cancel();
  if (failure) std::rethrow_exception(failure);
  if (!done) FAIL() << "test body did not finish within 15 s";
}

}  // namespace cafe::http_client::testing
