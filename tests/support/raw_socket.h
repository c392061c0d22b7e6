// A blocking loopback TCP connection for wire-level tests: write exact
// bytes, read one response (head and Content-Length body) or see the peer
// close, every read under a timeout so a silent server fails the test.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cafe::test {

struct RawResponse {
  int status = 0;    // 0: none (closed or timed out); see `error`
  std::string head;  // status line and fields, as received
  std::string body;
  std::string error;

  // The value of a field (case-insensitive name), "" when absent.
  std::string header(const std::string& name) const;
};

class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  // One response; a HEAD's answer has no body (pass true).
  RawResponse read_response(bool head_only = false);
  // True when the peer closes (EOF or reset) before the timeout, with no
  // bytes first.
  bool closed_by_peer();

 private:
  // Appends to buffer_ until it holds `size` bytes; false on close/timeout.
  bool fill(std::size_t size, std::string& error);

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

}  // namespace cafe::test
