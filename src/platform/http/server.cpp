#include "platform/http/server.h"

#include "platform/core/socket_deadline.h"
#include "platform/http/body_buffers.h"
#include "platform/http/head_chars.h"
#include "platform/http/problem.h"
#include "platform/http/response_head.h"
#include "platform/http/socket_io.h"
#include "platform/telemetry/log.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <list>
#include <mutex>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace cafe::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Per-connection state the shutdown path needs to see.
struct SessionState {
  tcp::socket* socket = nullptr;
  bool busy = false;  // a request has started and its response is not yet written
};

struct Worker {
  asio::io_context ctx{1};
  std::optional<tcp::acceptor> acceptor;
  std::list<SessionState*> sessions;  // touched only on ctx's thread
  std::optional<asio::steady_timer> drain_timer;
  std::optional<asio::signal_set> signals;
  bool drained = false;  // on_drained callbacks ran on this thread
  std::thread thread;
};

Method to_method(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

// Beast's request parser writing straight into a Request: method, target
// and fields as they arrive, the body appended (Beast's string body
// zero-fills before it copies). Notes what request framing needs.
class RequestReader final : public bhttp::basic_parser<true> {
 public:
  explicit RequestReader(Request& request) : request_(request) { request_.headers.reserve(16); }

  int version() const noexcept { return version_; }
  // Request framing that a proxy in front of us might read differently
  // (RFC 9112 §6.1, request smuggling): a transfer coding other than exactly
  // `chunked`, Transfer-Encoding beside Content-Length, or in HTTP/1.0.
  // Beast refuses some of these itself; this refuses the rest. Null: fine.
  const char* framing_error() const noexcept {
    if (transfer_encodings_ == 0) return nullptr;
    if (version_ < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    if (content_lengths_ > 0) return "Transfer-Encoding and Content-Length together are not allowed";
    if (transfer_encodings_ != 1 || !chunked_only_) return "the only Transfer-Encoding accepted is chunked";
    return nullptr;
  }
  bool expects_continue() const noexcept { return expects_continue_; }

 private:
  void on_request_impl(bhttp::verb method, boost::beast::string_view method_text,
                       boost::beast::string_view target, int version, boost::system::error_code&) override {
    request_.method = to_method(method);
    request_.method_text = method_text;
    request_.target = target;
    version_ = version;
  }
  void on_response_impl(int, boost::beast::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(bhttp::field name, boost::beast::string_view name_text, boost::beast::string_view value,
                     boost::system::error_code&) override {
    if (name == bhttp::field::transfer_encoding) {
      ++transfer_encodings_;
      chunked_only_ = iequals(value, "chunked");
    } else if (name == bhttp::field::content_length) {
      ++content_lengths_;
    } else if (name == bhttp::field::expect) {
      expects_continue_ = iequals(value, "100-continue");
    }
    request_.headers.emplace(name_text, value);
  }
  void on_header_impl(boost::system::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code&) override {
    // The length was checked against the route's body limit first.
    if (length) request_.body.reserve(*length);
  }
  std::size_t on_body_impl(boost::beast::string_view body, boost::system::error_code&) override {
    request_.body.append(body);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::system::error_code&) override {
    request_.body.append(body);
    return body.size();
  }
  void on_finish_impl(boost::system::error_code&) override {}

  Request& request_;
  int version_ = 11;
  int transfer_encodings_ = 0;
  int content_lengths_ = 0;
  bool chunked_only_ = false;
  bool expects_continue_ = false;
};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The completion handler of every coroutine this server spawns.
auto log_exit(const char* what) {
  return [what](const std::exception_ptr& e) { telemetry::log_coroutine_exit(what, e); };
}

// Written straight into a refused socket's send buffer (it always fits).
constexpr std::string_view kOverloadedBody =
    "{\"type\":\"urn:cloudcafe:problem:unavailable\",\"title\":\"Service Unavailable\",\"status\":503,"
    "\"detail\":\"overloaded\"}";
static_assert(kOverloadedBody.size() == 109, "update Content-Length below");
constexpr std::string_view kOverloaded =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\n"
    "Connection: close\r\nContent-Length: 109\r\n\r\n"
    "{\"type\":\"urn:cloudcafe:problem:unavailable\",\"title\":\"Service Unavailable\",\"status\":503,"
    "\"detail\":\"overloaded\"}";

// A client connection: its socket, the deadline of the operation under way,
// the read buffer and the buffer each response head is written into.
struct Connection {
  Connection(tcp::socket s, std::chrono::steady_clock::duration max_sleep)
      : socket(std::move(s)), deadline(socket, max_sleep) {
    // Writes go out at once when the socket takes them (send_now).
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
  }

  tcp::socket socket;
  SocketDeadline deadline;
  beast::flat_buffer buffer;
  std::string head;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  RequestHandler& handler;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> draining{false};
  std::uint16_t bound_port = 0;
  std::once_flag started;
  std::vector<std::function<void()>> stop_callbacks;
  std::vector<std::function<void()>> drained_callbacks;
  std::mutex exit_mutex;
  std::condition_variable thread_exited;
  std::size_t threads_running = 0;  // guarded by exit_mutex

  Impl(ServerOptions o, RequestHandler& h) : options(std::move(o)), handler(h) {}

  asio::awaitable<void> accept_loop(Worker& w);
  asio::awaitable<void> session(Worker& w, tcp::socket socket);
  asio::awaitable<bool> write(Connection& c, Response resp, bool keep_alive, bool head_only,
                              bool http10 = false);
  asio::awaitable<void> discard_unread(Connection& c);
  void begin_drain(Worker& w);
  void notify_drained(Worker& w);
};

Server::Server(ServerOptions options, RequestHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

Server::~Server() {
  stop();
  join();
}

Result<void> Server::listen() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Error::invalid("invalid listen host '" + impl_->options.host + "': " + ec.message());
  const int threads = impl_->options.threads < 1 ? 1 : impl_->options.threads;
  std::uint16_t port = impl_->options.port;
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    auto& acc = w->acceptor.emplace(w->ctx);
    const tcp::endpoint endpoint(address, port);
    acc.open(endpoint.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && threads > 1) acc.set_option(ReusePort(true), ec);
    if (!ec) acc.bind(endpoint, ec);
    if (!ec) acc.listen(1024, ec);
    if (ec) {
      return Error::unavailable("cannot listen on " + impl_->options.host + ":" + std::to_string(port) +
                                ": " + ec.message());
    }
    // With port 0 the first acceptor picks; the others share its port.
    port = acc.local_endpoint().port();
    impl_->workers.push_back(std::move(w));
  }
  impl_->bound_port = port;
  return {};
}

std::uint16_t Server::port() const noexcept {
  return impl_->bound_port;
}

std::string Server::address() const {
  return impl_->options.host + ":" + std::to_string(impl_->bound_port);
}

std::size_t Server::active_connections() const noexcept {
  return impl_->connections.load();
}

void Server::start() {
  std::call_once(impl_->started, [this] {
    for (auto& w : impl_->workers) {
      asio::co_spawn(w->ctx, impl_->accept_loop(*w), log_exit("accept_loop"));
      {
        std::lock_guard lock(impl_->exit_mutex);
        ++impl_->threads_running;
      }
      w->thread = std::thread([&ctx = w->ctx, impl = impl_.get()] {
        ctx.run();
        std::lock_guard lock(impl->exit_mutex);
        --impl->threads_running;
        impl->thread_exited.notify_all();
      });
    }
  });
}

boost::asio::any_io_executor Server::executor(std::size_t index) {
  return impl_->workers.at(index)->ctx.get_executor();
}

std::size_t Server::thread_count() const noexcept {
  return impl_->workers.size();
}

void Server::on_stop(std::function<void()> callback) {
  impl_->stop_callbacks.push_back(std::move(callback));
}

void Server::on_drained(std::function<void()> callback) {
  impl_->drained_callbacks.push_back(std::move(callback));
}

void Server::Impl::notify_drained(Worker& w) {
  if (w.drained) return;
  w.drained = true;
  if (w.drain_timer) w.drain_timer->cancel();
  for (auto& callback : drained_callbacks) callback();
}

void Server::stop() {
  if (impl_->draining.exchange(true)) return;
  for (auto& callback : impl_->stop_callbacks) callback();
  for (auto& w : impl_->workers) {
    asio::post(w->ctx, [this, &w = *w] { impl_->begin_drain(w); });
  }
}

void Server::join() {
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

bool Server::join_until(Deadline deadline) {
  {
    std::unique_lock lock(impl_->exit_mutex);
    if (!impl_->thread_exited.wait_until(lock, deadline.at(), [&] { return impl_->threads_running == 0; })) {
      return false;
    }
  }
  join();
  return true;
}

void Server::run_until_signal() {
  if (!impl_->workers.empty()) {
    auto& w = *impl_->workers.front();
    auto& signals = w.signals.emplace(w.ctx, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) stop();
    });
  }
  start();
  join();
}

void Server::Impl::begin_drain(Worker& w) {
  boost::system::error_code ignored;
  if (w.acceptor) w.acceptor->close(ignored);
  if (w.signals) w.signals->cancel(ignored);
  // Idle connections close now; busy ones close after their response.
  for (auto* s : w.sessions) {
    if (!s->busy) s->socket->cancel(ignored);
  }
  if (w.sessions.empty()) {
    notify_drained(w);
    return;
  }
  auto& timer = w.drain_timer.emplace(w.ctx);
  timer.expires_after(options.drain_timeout);
  timer.async_wait([&w](const boost::system::error_code& ec) {
    if (ec) return;  // every session finished first
    boost::system::error_code ignore;
    for (auto* s : w.sessions) s->socket->close(ignore);
  });
}

asio::awaitable<void> Server::Impl::accept_loop(Worker& w) {
  for (;;) {
    auto [ec, socket] = co_await w.acceptor->async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || draining || !w.acceptor->is_open()) co_return;
      // Out of descriptors or a transient error: back off briefly, keep serving.
      asio::steady_timer pause(w.ctx, std::chrono::milliseconds(20));
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (connections.load() >= options.max_connections) {
      handler.on_transport_reject(503);
      // Answer without a coroutine or a timer: shedding must stay cheaper
      // than serving. A fresh socket's send buffer always takes these bytes.
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(kOverloaded), ignored);
      socket.close(ignored);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    connections.fetch_add(1);
    asio::co_spawn(w.ctx, session(w, std::move(socket)), log_exit("session"));
  }
}

asio::awaitable<bool> Server::Impl::write(Connection& c, Response resp, bool keep_alive, bool head_only,
                                          bool http10) {
  serialize_head(resp, keep_alive, head_only, http10, c.head);
  const bool bodiless = head_only || resp.status < 200 || resp.status == 204 || resp.status == 304;
  boost::system::error_code ec;
  const auto rest = send_now(
      c.socket, {asio::buffer(c.head), bodiless ? asio::const_buffer() : asio::buffer(resp.body)}, ec);
  if (!ec && asio::buffer_size(rest) > 0) {
    c.deadline.expires_after(options.write_timeout);
    std::tie(ec, std::ignore) = co_await asio::async_write(c.socket, rest, kTuple);
  }
  give_back_body_buffer(std::move(resp.body));
  co_return !ec;
}

// Before closing a connection whose request body was not read, read and
// drop what the client is still sending (bounded in bytes and time):
// closing with unread data makes the kernel send a reset, which can destroy
// the answer before the client reads it.
asio::awaitable<void> Server::Impl::discard_unread(Connection& c) {
  constexpr std::size_t kMaxDiscard = 4u << 20;
  boost::system::error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  c.deadline.expires_after(std::chrono::seconds(1));
  std::size_t discarded = 0;
  while (!ec && discarded < kMaxDiscard) {
    c.buffer.clear();
    auto [read_ec, n] = co_await c.socket.async_read_some(c.buffer.prepare(std::size_t{16} * 1024), kTuple);
    ec = read_ec;
    discarded += n;
  }
}

asio::awaitable<void> Server::Impl::session(Worker& w, tcp::socket socket) {
  boost::system::error_code ec;
  const auto remote_endpoint = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string() : remote_endpoint.address().to_string();
  // The deadline's timer never sleeps past the shortest timeout, so moving
  // between them never reschedules it.
  const auto shortest = std::min({options.idle_timeout, options.read_timeout, options.write_timeout});
  Connection c(std::move(socket), shortest);
  SessionState state{&c.socket, false};
  const auto registered = w.sessions.insert(w.sessions.end(), &state);
  struct Cleanup {
    Impl& impl;
    Worker& w;
    std::list<SessionState*>::iterator it;
    ~Cleanup() {
      w.sessions.erase(it);
      impl.connections.fetch_sub(1);
      impl.handler.on_connection(false);
      if (impl.draining && w.sessions.empty()) impl.notify_drained(w);
    }
  } cleanup{*this, w, registered};
  handler.on_connection(true);

  std::size_t served = 0;
  for (;;) {
    if (draining) break;
    if (c.buffer.size() == 0) {
      // Waiting for the next request is the idle phase; it has its own timeout.
      c.deadline.expires_after(options.idle_timeout);
      auto [read_ec, n] = co_await c.socket.async_read_some(c.buffer.prepare(4096), kTuple);
      if (read_ec) break;
      c.buffer.commit(n);
    }
    state.busy = true;
    Request req;
    RequestReader parser(req);
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    // The body limit is the route's, known only after admit(): Beast's
    // default (1 MiB) would otherwise judge Content-Length while the header
    // is still being read.
    parser.body_limit(boost::none);
    c.deadline.expires_after(options.read_timeout);
    // Usually the whole head came with the first read: no coroutine then.
    auto head_ec = parse_buffered(parser, c.buffer, ReadUntil::kHeader);
    if (head_ec == bhttp::error::need_more)
      head_ec = co_await read_message(c.socket, c.buffer, parser, ReadUntil::kHeader);
    if (head_ec) {
      int status = 0;
      // A timeout needs no answer: the deadline has closed the socket.
      if (head_ec == bhttp::error::header_limit) {
        status = 431;
      } else if (head_ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        status = 400;
      }
      if (status != 0) {
        handler.on_transport_reject(status);
        const char* detail = status == 431 ? "request headers exceed the limit" : "malformed HTTP request";
        Response resp = problem(status, detail);
        co_await write(c, std::move(resp), false, false);
      }
      break;
    }

    if (const char* bad_framing = parser.framing_error()) {
      handler.on_transport_reject(400);
      Response resp = problem(400, bad_framing);
      const bool written = co_await write(c, std::move(resp), false, false);
      if (written) co_await discard_unread(c);
      break;
    }
    const bool http10 = parser.version() < 11;
    req.keep_alive = parser.keep_alive();
    req.remote_address = remote;
    req.received_at = std::chrono::steady_clock::now();
    Admission admission = handler.admit(req);
    const auto declared = parser.content_length();
    if (!admission.reject && declared && *declared > admission.body_limit) {
      handler.on_transport_reject(413);
      admission.reject =
          problem(413,
                  "request body of " + std::to_string(*declared) + " bytes exceeds the limit of " +
                      std::to_string(admission.body_limit) + " bytes",
                  req.path, req.request_id);
    }
    if (admission.reject) {
      Response resp = std::move(*admission.reject);
      // An unread body would be parsed as the next request: close instead.
      const bool keep = req.keep_alive && parser.is_done() && !resp.close && !draining;
      const bool written = co_await write(c, std::move(resp), keep, req.method == Method::kHead, http10);
      state.busy = false;
      if (written && !parser.is_done()) co_await discard_unread(c);
      if (!written || !keep) break;
      continue;
    }
    if (!parser.is_done()) {
      parser.body_limit(admission.body_limit);
      // The client waits for this before sending a body it was told to hold.
      if (!http10 && parser.expects_continue() && c.buffer.size() == 0) {
        c.deadline.expires_after(options.write_timeout);
        auto [continue_ec, continue_n] =
            co_await asio::async_write(c.socket, asio::buffer(kContinue), kTuple);
        if (continue_ec) break;
        c.deadline.expires_after(options.read_timeout);
      }
      const auto body_ec = co_await read_message(c.socket, c.buffer, parser, ReadUntil::kMessage);
      if (body_ec) {
        int status = 0;
        if (body_ec == bhttp::error::body_limit) {
          status = 413;
        } else if (body_ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
          status = 400;
        }
        if (status != 0) {
          handler.on_transport_reject(status);
          Response resp = problem(status, status == 413 ? "request body exceeds the limit of " +
                                                              std::to_string(admission.body_limit) + " bytes"
                                                        : "malformed request body framing");
          const bool written = co_await write(c, std::move(resp), false, false);
          if (written && status == 413) co_await discard_unread(c);
        }
        break;
      }
    }
    // The handler may take its time: the read deadline is over.
    c.deadline.clear();

    Response resp;
    try {
      resp = co_await handler.handle(req);
    } catch (...) {
      resp = problem(500, "an unexpected error occurred; quote the request id", {}, req.request_id);
    }
    ++served;
    if (resp.abort) break;
    const bool keep =
        req.keep_alive && !resp.close && !draining &&
        (options.max_requests_per_connection == 0 || served < options.max_requests_per_connection);
    const bool written = co_await write(c, std::move(resp), keep, req.method == Method::kHead, http10);
    state.busy = false;
    if (!written || !keep) break;
  }
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace cafe::http
