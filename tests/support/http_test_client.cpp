#include "support/http_test_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace cafe::test {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// One exchange on a fresh connection, every step under the same deadline
// (tcp_stream closes the socket when it passes), so a hung server fails a
// test instead of hanging it.
asio::awaitable<TestResponse> exchange(std::uint16_t port, std::string bytes, bool head,
                                       std::chrono::milliseconds timeout) {
  TestResponse out;
  boost::beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  auto [connect_ec] =
      co_await stream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kTuple);
  if (connect_ec) {
    out.error = "connect: " + connect_ec.message();
    co_return out;
  }
  // A server may answer before it has read everything (a 413, a 401 on a
  // large upload): like curl, read the answer even when the write failed.
  auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(bytes), kTuple);
  if (write_ec) out.error = "write: " + write_ec.message() + "; ";
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  if (head) parser.skip(true);
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  if (read_ec) {
    out.error += "read: " + read_ec.message();
    co_return out;
  }
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  out.body = res.body();
  co_return out;
}

TestResponse run_exchange(std::uint16_t port, std::string bytes, bool head,
                          std::chrono::milliseconds timeout) {
  asio::io_context ctx;
  auto result = asio::co_spawn(ctx, exchange(port, std::move(bytes), head, timeout), asio::use_future);
  ctx.run();
  return result.get();
}

}  // namespace

TestResponse send_request(std::uint16_t port, const TestRequest& request, std::chrono::milliseconds timeout) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
  if (req.method() == bhttp::verb::unknown) req.method_string(request.method);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    req.prepare_payload();
  }
  std::ostringstream wire;
  wire << req;
  return run_exchange(port, wire.str(), request.method == "HEAD", timeout);
}

TestResponse get(std::uint16_t port, const std::string& target,
                 std::vector<std::pair<std::string, std::string>> headers) {
  TestRequest request;
  request.target = target;
  request.headers = std::move(headers);
  return send_request(port, request);
}

TestResponse send_raw(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  return run_exchange(port, bytes, false, timeout);
}

std::uint16_t port_of(const std::string& address) {
  return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

}  // namespace cafe::test
