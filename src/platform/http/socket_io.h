// Reading and writing HTTP/1.1 messages on a socket without Beast's
// composed operations, for the server and the client (it includes Beast).
//
// Reading: what is already in the buffer is parsed at once (Beast posts a
// completion through the scheduler even then), and the socket is read only
// when the parser needs more. Errors are those http::async_read reports:
// http::error::* (end_of_stream when the peer closed before the message's
// first byte, partial_message after it), and the socket's own.
//
// Writing: what the socket takes at once is sent at once. A head and body
// that fit the send buffer, the common case, cost one sendmsg and no trip
// through the scheduler; only the rest, if any, is written asynchronously.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <array>

namespace cafe::http {

enum class ReadUntil : std::uint8_t { kHeader, kMessage };

// Parses what `buffer` holds, without reading: http::error::need_more when
// the parser wants more than is there.
template <bool isRequest>
boost::system::error_code parse_buffered(boost::beast::http::basic_parser<isRequest>& parser,
                                         boost::beast::flat_buffer& buffer, ReadUntil until) {
  boost::system::error_code ec;
  while (until == ReadUntil::kHeader ? !parser.is_header_done() : !parser.is_done()) {
    if (buffer.size() == 0) return boost::beast::http::error::need_more;
    buffer.consume(parser.put(buffer.data(), ec));
    if (ec) return ec;
  }
  return ec;
}

// How much to read next into `buffer`, as Beast reads: at least 512 bytes
// or the free capacity, at most 64 KiB; 0 when the buffer is at its limit
// (http::error::buffer_overflow).
inline std::size_t next_read_size(boost::beast::flat_buffer& buffer) {
  return boost::beast::read_size(buffer, 65536);
}

// After a read into buffer.prepare() of `n` bytes that ended with `ec`:
// commits them and returns http::error::need_more (parse again), or turns
// the end of the stream into Beast's answer: the message it completes (no
// error), partial_message, or end_of_stream before the message's first byte.
template <bool isRequest>
boost::system::error_code take_read(boost::beast::http::basic_parser<isRequest>& parser,
                                    boost::beast::flat_buffer& buffer, boost::system::error_code ec,
                                    std::size_t n) {
  namespace bhttp = boost::beast::http;
  if (ec == boost::asio::error::eof) {
    if (!parser.got_some()) return bhttp::error::end_of_stream;
    ec = {};
    parser.put_eof(ec);  // completes a body delimited by the end of the stream
    return ec;
  }
  if (ec) return ec;
  buffer.commit(n);
  return bhttp::error::need_more;
}

// Parses what `buffer` holds and reads until the parser is done (with the
// header only, for kHeader).
template <bool isRequest>
boost::asio::awaitable<boost::system::error_code> read_message(
    boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer,
    boost::beast::http::basic_parser<isRequest>& parser, ReadUntil until) {
  namespace bhttp = boost::beast::http;
  for (;;) {
    boost::system::error_code ec = parse_buffered(parser, buffer, until);
    if (ec != bhttp::error::need_more) co_return ec;
    const std::size_t size = next_read_size(buffer);
    if (size == 0) co_return bhttp::error::buffer_overflow;
    auto [read_ec, n] = co_await socket.async_read_some(buffer.prepare(size),
                                                        boost::asio::as_tuple(boost::asio::use_awaitable));
    ec = take_read(parser, buffer, read_ec, n);
    if (ec != bhttp::error::need_more) co_return ec;
  }
}

// Writes as much of `buffers` as the socket takes now, without waiting:
// the socket must be in non-blocking mode (socket.non_blocking(true)).
// Returns what is left to write (empty when all went); a failure other
// than "would block" is left in `ec`.
inline std::array<boost::asio::const_buffer, 2> send_now(boost::asio::ip::tcp::socket& socket,
                                                         std::array<boost::asio::const_buffer, 2> buffers,
                                                         boost::system::error_code& ec) {
  std::size_t sent = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec = {};
  for (auto& b : buffers) {
    const std::size_t n = std::min(sent, b.size());
    b += n;
    sent -= n;
  }
  return buffers;
}

}  // namespace cafe::http
