#include "platform/http_client/client_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cerrno>
#include <sys/socket.h>

namespace cafe::http_client::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are not
// forwarded; Host and Content-Length are written from the target and body.
bool is_hop_by_hop(std::string_view name) {
  using http::iequals;
  if (name.size() >= 6 && iequals(name.substr(0, 6), "proxy-")) return true;
  return iequals(name, "connection") || iequals(name, "keep-alive") || iequals(name, "te") ||
         iequals(name, "trailer") || iequals(name, "transfer-encoding") || iequals(name, "upgrade");
}

bool is_written_by_client(std::string_view name) {
  return is_hop_by_hop(name) || http::iequals(name, "host") || http::iequals(name, "content-length");
}

bool has_control_chars(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

bool needs_content_length(const Request& r) {
  return !r.body.empty() || r.method == http::Method::kPost || r.method == http::Method::kPut ||
         r.method == http::Method::kPatch;
}

void serialise_head(const std::string& host, const Request& r, std::string& out) {
  out.clear();
  out += r.method == http::Method::kOther ? std::string_view(r.method_text) : http::to_string(r.method);
  out += ' ';
  if (!r.target.empty()) {
    out += r.target;
  } else {
    out += r.path.empty() ? std::string_view("/") : std::string_view(r.path);
    if (!r.query.empty()) {
      out += '?';
      out += r.query;
    }
  }
  out += " HTTP/1.1\r\nHost: ";
  out += host;
  out += "\r\n";
  for (const auto& f : r.headers) {
    if (is_written_by_client(f.name)) continue;
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  if (needs_content_length(r)) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  out += "\r\n";
}

bool is_deadline(const beast::error_code& ec) {
  return ec == beast::error::timeout;
}

}  // namespace

std::optional<std::string> invalid_request(const Request& r) {
  const std::string_view target = r.target.empty() ? std::string_view(r.path) : std::string_view(r.target);
  if (has_control_chars(target) || target.find(' ') != std::string_view::npos || has_control_chars(r.query) ||
      r.query.find(' ') != std::string::npos) {
    return "request target has a space or control character";
  }
  if (r.method == http::Method::kOther &&
      (r.method_text.empty() || r.method_text.find_first_of(" \r\n") != std::string::npos)) {
    return "request method is not a token";
  }
  for (const auto& f : r.headers) {
    if (f.name.empty() || has_control_chars(f.name) || f.name.find_first_of(": \t") != std::string::npos ||
        has_control_chars(f.value)) {
      return "request header is not a valid field";
    }
  }
  return std::nullopt;
}

bool still_open(Connection& c) {
  auto& socket = c.stream.socket();
  if (!socket.is_open()) return false;
  char probe = 0;
  const ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  // 0: the server closed it; more: bytes nobody asked for (out of step).
  if (n >= 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

net::awaitable<Step> open(Connection& c, const Target& target, std::optional<tcp::endpoint> endpoint,
                          Clock::time_point connect_deadline, Clock::time_point call_deadline) {
  const auto timed_out = [&]() -> Step {
    if (connect_deadline < call_deadline) return {Failure::kConnect, "connect timed out"};
    return {Failure::kTimeout, "deadline passed while connecting"};
  };
  c.stream.expires_at(connect_deadline);
  if (endpoint) {
    auto [ec] = co_await c.stream.async_connect(*endpoint, kUseTuple);
    if (is_deadline(ec)) co_return timed_out();
    if (ec) co_return Step{Failure::kConnect, "connect: " + ec.message()};
  } else {
    using namespace net::experimental::awaitable_operators;
    auto executor = co_await net::this_coro::executor;
    tcp::resolver resolver(executor);
    net::steady_timer timer(executor, connect_deadline);
    const std::string port = std::to_string(target.port);
    // Named, not temporaries inside co_await (DESIGN §9).
    auto race = resolver.async_resolve(target.host, port, kUseTuple) || timer.async_wait(net::use_awaitable);
    auto resolved = co_await std::move(race);
    if (resolved.index() == 1) co_return timed_out();
    auto [rec, results] = std::get<0>(std::move(resolved));
    if (rec) co_return Step{Failure::kConnect, "resolve: " + rec.message()};
    auto [ec, connected] = co_await c.stream.async_connect(results, kUseTuple);
    if (is_deadline(ec)) co_return timed_out();
    if (ec) co_return Step{Failure::kConnect, "connect: " + ec.message()};
  }
  beast::error_code ignored;
  c.stream.socket().set_option(tcp::no_delay(true), ignored);
  co_return Step{};
}

net::awaitable<Exchange> exchange(Connection& c, const std::string& host, const Request& request,
                                  Limits limits, Clock::time_point deadline, Response& response) {
  Exchange result;
  serialise_head(host, request, c.head);
  c.stream.expires_at(deadline);
  const std::array<net::const_buffer, 2> buffers = {net::buffer(c.head), net::buffer(request.body)};
  result.sent = true;
  auto [wec, written] = co_await net::async_write(c.stream, buffers, kUseTuple);
  if (wec) {
    if (is_deadline(wec)) {
      result.failure = Failure::kTimeout;
      result.detail = "deadline passed while writing";
    } else {
      result.failure = Failure::kReset;
      result.stale = c.reused;
      result.detail = "write: " + wec.message();
    }
    co_return result;
  }

  // Beast reads max(512, free capacity) per read_some; the parser moves the
  // body out, so without this the buffer never grows and a 5 KB response
  // costs ten recvmsg calls.
  constexpr std::size_t kReadBuffer = std::size_t{16} * 1024;
  if (c.buffer.capacity() < kReadBuffer) c.buffer.reserve(kReadBuffer);
  // Interim answers (100 Continue, 103 Early Hints) precede the real one
  // and are skipped; a bounded number, so a server cannot stream them.
  constexpr int kMaxInterim = 8;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  for (int interim = 0;; ++interim) {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header, UINT32_MAX)));
    parser->body_limit(limits.max_body);
    if (request.method == http::Method::kHead) parser->skip(true);
    auto [rec, read] = co_await bhttp::async_read(c.stream, c.buffer, *parser, kUseTuple);
    if (rec) {
      const bool nothing_received = interim == 0 && !parser->got_some() && c.buffer.size() == 0;
      if (is_deadline(rec)) {
        result.failure = Failure::kTimeout;
        result.detail = "deadline passed while reading";
      } else if (rec == bhttp::error::body_limit || rec == bhttp::error::header_limit ||
                 rec == bhttp::error::buffer_overflow) {
        result.failure = Failure::kTooLarge;
        result.detail = "response over limit: " + rec.message();
      } else if (rec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
                 rec != bhttp::error::end_of_stream && rec != bhttp::error::partial_message) {
        result.failure = Failure::kProtocol;
        result.detail = "bad response: " + rec.message();
      } else {
        result.failure = Failure::kReset;
        result.stale = c.reused && nothing_received &&
                       (rec == bhttp::error::end_of_stream || rec == net::error::connection_reset);
        result.detail = "read: " + rec.message();
      }
      co_return result;
    }
    const unsigned status = parser->get().result_int();
    if (status >= 200) break;
    if (status == 101 || interim + 1 >= kMaxInterim) {
      result.failure = Failure::kProtocol;
      result.detail = status == 101 ? "upstream switched protocols" : "too many interim responses";
      co_return result;
    }
  }

  auto& message = parser->get();
  response.status = static_cast<int>(message.result_int());
  response.headers = {};
  for (const auto& field : message) {
    const auto name = field.name_string();
    // The length of a HEAD answer describes the GET's body: keep it for the
    // caller to pass on. Otherwise the body itself defines it.
    if (is_hop_by_hop(name) ||
        (http::iequals(name, "content-length") && request.method != http::Method::kHead)) {
      continue;
    }
    response.headers.add(std::string(name), std::string(field.value()));
  }
  response.body = std::move(message.body());
  // Bytes past the response mean the server is out of step: do not reuse.
  result.keep_alive = message.keep_alive() && c.buffer.size() == 0;
  co_return result;
}

}  // namespace cafe::http_client::detail
