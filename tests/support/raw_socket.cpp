#include "support/raw_socket.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cafe::test {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string RawResponse::header(const std::string& name) const {
  const std::string wanted = lower(name) + ":";
  std::size_t line = head.find("\r\n");
  while (line != std::string::npos && line + 2 < head.size()) {
    const std::size_t start = line + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string field = head.substr(start, end - start);
    if (lower(field.substr(0, wanted.size())) == wanted) {
      std::string value = field.substr(wanted.size());
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
    line = end;
  }
  return {};
}

RawSocket::RawSocket(std::uint16_t port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawSocket::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool RawSocket::fill(std::size_t size, std::string& error) {
  const auto give_up = std::chrono::steady_clock::now() + timeout_;
  while (buffer_.size() < size) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      error = "timed out";
      return false;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) {
      error = "closed by peer";
      return false;
    }
    if (n < 0) {
      error = std::string("recv: ") + std::strerror(errno);
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

RawResponse RawSocket::read_response(bool head_only) {
  RawResponse out;
  std::size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(buffer_.size() + 1, out.error)) return out;
  }
  out.head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  if (out.head.size() > 12 && out.head.starts_with("HTTP/1.")) out.status = std::stoi(out.head.substr(9, 3));
  const std::string length = out.header("Content-Length");
  const std::size_t body = head_only || length.empty() ? 0 : std::stoul(length);
  if (!fill(body, out.error)) {
    out.status = 0;
    return out;
  }
  out.body = buffer_.substr(0, body);
  buffer_.erase(0, body);
  return out;
}

bool RawSocket::closed_by_peer() {
  if (!buffer_.empty()) return false;
  std::string error;
  return !fill(1, error) && error != "timed out";
}

}  // namespace cafe::test
