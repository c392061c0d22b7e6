#include "support/http_test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>

#include <sys/socket.h>
#include <sys/time.h>

namespace cafe::test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

void set_timeouts(tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

TestResponse read_response(tcp::socket& socket) {
  TestResponse out;
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  boost::system::error_code ec;
  bhttp::read(socket, buffer, parser, ec);
  if (ec) {
    out.error = ec.message();
    return out;
  }
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  out.body = res.body();
  return out;
}

bool connect(tcp::socket& socket, std::uint16_t port, TestResponse& out) {
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) out.error = "connect: " + ec.message();
  return !ec;
}

}  // namespace

TestResponse send_request(std::uint16_t port, const TestRequest& request, std::chrono::milliseconds timeout) {
  asio::io_context ctx;
  tcp::socket socket(ctx);
  TestResponse out;
  if (!connect(socket, port, out)) return out;
  set_timeouts(socket, timeout);
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
  if (req.method() == bhttp::verb::unknown) req.method_string(request.method);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    req.prepare_payload();
  }
  boost::system::error_code ec;
  bhttp::write(socket, req, ec);
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  return read_response(socket);
}

TestResponse get(std::uint16_t port, const std::string& target,
                 std::vector<std::pair<std::string, std::string>> headers) {
  TestRequest request;
  request.target = target;
  request.headers = std::move(headers);
  return send_request(port, request);
}

TestResponse send_raw(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  asio::io_context ctx;
  tcp::socket socket(ctx);
  TestResponse out;
  if (!connect(socket, port, out)) return out;
  set_timeouts(socket, timeout);
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  return read_response(socket);
}

std::uint16_t port_of(const std::string& address) {
  return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

}  // namespace cafe::test
