#include "platform/http_client/client_connection.h"

#include "platform/http/body_buffers.h"
#include "platform/http/head_chars.h"
#include "platform/http/socket_io.h"
#include "platform/http_client/simple_response.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace cafe::http_client::detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// Host and Content-Length are written from the target and the body.
bool is_written_by_client(std::string_view name) {
  return is_hop_by_hop(name) || http::iequals(name, "host") || http::iequals(name, "content-length");
}

// find_first_of, by memchr per character sought: libstdc++'s find_first_of
// calls memchr on the set once per character of the text.
bool has_any_of(std::string_view text, std::string_view chars) {
  for (const char c : chars) {
    if (std::memchr(text.data(), c, text.size()) != nullptr) return true;
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

// Beast's response parser writing straight into a Response: the status,
// the end-to-end fields as they arrive, the body appended (Beast's string
// body zero-fills before it copies). The length of a HEAD answer describes
// the GET's body and is kept for the caller to pass on; otherwise the body
// defines it.
class ResponseReader final : public bhttp::basic_parser<false> {
 public:
  ResponseReader(Response& response, bool head_request) : response_(response), head_request_(head_request) {
    response_.headers = {};
    response_.headers.reserve(12);
    response_.body.clear();
    if (head_request_) skip(true);
  }

 private:
  void on_request_impl(bhttp::verb, boost::beast::string_view, boost::beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int status, boost::beast::string_view, int, beast::error_code&) override {
    response_.status = status;
  }
  void on_field_impl(bhttp::field name, boost::beast::string_view name_text, boost::beast::string_view value,
                     beast::error_code&) override {
    if ((name == bhttp::field::content_length && !head_request_) || is_hop_by_hop(name_text)) return;
    response_.headers.emplace(name_text, value);
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, beast::error_code&) override {
    // The parser has checked the length against the body limit.
    response_.body = http::take_body_buffer(length.value_or(0));
  }
  std::size_t on_body_impl(boost::beast::string_view body, beast::error_code&) override {
    response_.body.append(body);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, beast::error_code&) override {
    response_.body.append(body);
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  Response& response_;
  bool head_request_;
};

// The deadline is for the operations of open() and exchange() only: a
// pooled connection waits without one.
struct ClearOnExit {
  SocketDeadline& deadline;
  ~ClearOnExit() { deadline.clear(); }
};

}  // namespace

bool is_hop_by_hop(std::string_view name) {
  using http::iequals;
  if (name.empty()) return false;
  // By first letter: most fields are ruled out by one comparison.
  switch (name.front() | 0x20) {
    case 'c':
      return iequals(name, "connection");
    case 'k':
      return iequals(name, "keep-alive");
    case 'p':
      return name.size() >= 6 && iequals(name.substr(0, 6), "proxy-");
    case 't':
      return iequals(name, "te") || iequals(name, "trailer") || iequals(name, "transfer-encoding");
    case 'u':
      return iequals(name, "upgrade");
    default:
      return false;
  }
}

std::optional<std::string> invalid_request(const Request& r) {
  const std::string_view target = r.target.empty() ? std::string_view(r.path) : std::string_view(r.target);
  if (has_any_of(target, std::string_view("\r\n\0 ", 4)) ||
      has_any_of(r.query, std::string_view("\r\n\0 ", 4))) {
    return "request target has a space or control character";
  }
  if (r.method == http::Method::kOther && (r.method_text.empty() || has_any_of(r.method_text, " \r\n"))) {
    return "request method is not a token";
  }
  for (const auto& f : r.headers) {
    if (!http::is_writable_name(f.name) || http::has_line_break(f.value)) {
      return "request header is not a valid field";
    }
  }
  return std::nullopt;
}

bool still_open(Connection& c) {
  auto& socket = c.socket;
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
  ClearOnExit clear{c.deadline};
  if (endpoint) {
    c.deadline.expires_at(connect_deadline);
    auto [ec] = co_await c.socket.async_connect(*endpoint, kUseTuple);
    if (ec && c.deadline.expired()) co_return timed_out();
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
    c.deadline.expires_at(connect_deadline);
    auto [ec, connected] = co_await net::async_connect(c.socket, results, kUseTuple);
    if (ec && c.deadline.expired()) co_return timed_out();
    if (ec) co_return Step{Failure::kConnect, "connect: " + ec.message()};
  }
  beast::error_code ignored;
  c.socket.set_option(tcp::no_delay(true), ignored);
  c.socket.non_blocking(true, ignored);  // for http::send_now
  co_return Step{};
}

net::awaitable<Exchange> exchange(Connection& c, const std::string& host, const Request& request,
                                  Limits limits, Clock::time_point deadline, Response& response) {
  Exchange result;
  serialise_head(host, request, c.head);
  ClearOnExit clear{c.deadline};
  c.deadline.expires_at(deadline);
  result.sent = true;
  beast::error_code wec;
  const auto rest = http::send_now(c.socket, {net::buffer(c.head), net::buffer(request.body)}, wec);
  if (!wec && net::buffer_size(rest) > 0) {
    std::tie(wec, std::ignore) = co_await net::async_write(c.socket, rest, kUseTuple);
  }
  if (wec) {
    if (c.deadline.expired()) {
      result.failure = Failure::kTimeout;
      result.detail = "deadline passed while writing";
    } else {
      result.failure = Failure::kReset;
      result.stale = c.reused;
      result.detail = "write: " + wec.message();
    }
    co_return result;
  }

  // Beast reads max(512, free capacity) per read; the parser moves the body
  // out, so without this the buffer never grows and a 5 KB response costs
  // ten recvmsg calls.
  constexpr std::size_t kReadBuffer = std::size_t{16} * 1024;
  if (c.buffer.capacity() < kReadBuffer) c.buffer.reserve(kReadBuffer);
  // Interim answers (100 Continue, 103 Early Hints) precede the real one
  // and are skipped; a bounded number, so a server cannot stream them.
  constexpr int kMaxInterim = 8;
  std::optional<ResponseReader> parser;
  for (int interim = 0;; ++interim) {
    parser.emplace(response, request.method == http::Method::kHead);
    parser->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header, UINT32_MAX)));
    parser->body_limit(limits.max_body);
    // The common answer is read without Beast's parser (simple_response.h)
    // unless it proves to be of another kind; Beast then parses it from its
    // first byte. The loop is http::read_message() inline: one coroutine
    // frame less per call.
    bool simple = request.method != http::Method::kHead;
    beast::error_code rec = bhttp::error::need_more;
    for (;;) {
      if (simple) {
        const auto buffered = c.buffer.data();
        const SimpleResponse answer =
            read_simple_response({static_cast<const char*>(buffered.data()), buffered.size()},
                                 limits.max_header, limits.max_body, response);
        if (answer.verdict == SimpleResponse::Verdict::kComplete) {
          c.buffer.consume(answer.size);
          // Bytes past the response mean the server is out of step: do not reuse.
          result.keep_alive = answer.keep_alive && c.buffer.size() == 0;
          co_return result;
        }
        simple = answer.verdict == SimpleResponse::Verdict::kNeedMore;
      }
      if (!simple) {
        rec = http::parse_buffered(*parser, c.buffer, http::ReadUntil::kMessage);
        if (rec != bhttp::error::need_more) break;
      }
      const std::size_t size = http::next_read_size(c.buffer);
      if (size == 0) {
        rec = bhttp::error::buffer_overflow;
        break;
      }
      auto [read_ec, n] = co_await c.socket.async_read_some(c.buffer.prepare(size), kUseTuple);
      if (read_ec && simple) {
        // Beast sees what came before the failure, then the failure.
        simple = false;
        rec = http::parse_buffered(*parser, c.buffer, http::ReadUntil::kMessage);
        if (rec != bhttp::error::need_more) break;
      }
      rec = http::take_read(*parser, c.buffer, read_ec, n);
      if (rec != bhttp::error::need_more) break;
    }
    if (rec) {
      const bool nothing_received = interim == 0 && !parser->got_some() && c.buffer.size() == 0;
      if (c.deadline.expired()) {
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
    const int status = response.status;
    if (status >= 200) break;
    if (status == 101 || interim + 1 >= kMaxInterim) {
      result.failure = Failure::kProtocol;
      result.detail = status == 101 ? "upstream switched protocols" : "too many interim responses";
      co_return result;
    }
  }
  // Bytes past the response mean the server is out of step: do not reuse.
  result.keep_alive = parser->keep_alive() && c.buffer.size() == 0;
  co_return result;
}

}  // namespace cafe::http_client::detail
