#include "cluster/stack/loopback.h"

#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cafe::cluster::stack {

namespace {

constexpr std::size_t kMaxAnswer = 1 << 20;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Waits for `events` on fd until the deadline: true when ready.
bool wait_for(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int ms = static_cast<int>(deadline.remaining().count());
    const int n = ::poll(&p, 1, ms);
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

Error timed_out(std::uint16_t port) {
  return Error::make(ErrorCode::kDeadlineExceeded,
                     "127.0.0.1:" + std::to_string(port) + " did not answer in time");
}

}  // namespace

Result<std::uint16_t> free_loopback_port() {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return Error::unavailable(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Error::unavailable(std::string("no free loopback port: ") + std::strerror(errno));
  }
  return ntohs(addr.sin_port);
}

Result<std::string> loopback_exchange(std::uint16_t port, std::string_view request, ReadUntil until,
                                      Deadline deadline) {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (s.fd() < 0) return Error::unavailable(std::string("socket: ") + std::strerror(errno));
  const sockaddr_in addr = loopback(port);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) return Error::unavailable(where + ": " + std::strerror(errno));
    if (!wait_for(s.fd(), POLLOUT, deadline)) return timed_out(port);
    int error = 0;
    socklen_t len = sizeof(error);
    ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return Error::unavailable(where + ": " + std::strerror(error));
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!wait_for(s.fd(), POLLOUT, deadline)) return timed_out(port);
    const ssize_t n = ::send(s.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return Error::unavailable(where + ": " + std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char chunk[4096];
  for (;;) {
    if (until == ReadUntil::kLine && answer.find("\r\n") != std::string::npos) return answer;
    if (answer.size() > kMaxAnswer) return Error::unavailable(where + " answered more than 1 MiB");
    if (!wait_for(s.fd(), POLLIN, deadline)) return timed_out(port);
    const ssize_t n = ::recv(s.fd(), chunk, sizeof(chunk), 0);
    if (n > 0) {
      answer.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0) {
      if (until == ReadUntil::kClose) return answer;
      return Error::unavailable(where + " closed the connection before answering");
    } else if (errno != EAGAIN && errno != EINTR) {
      return Error::unavailable(where + ": " + std::strerror(errno));
    }
  }
}

Result<HttpAnswer> loopback_http_get(std::uint16_t port, std::string_view target, Deadline deadline) {
  // HTTP/1.0: the server closes after the body and never chunks it.
  const std::string request =
      "GET " + std::string(target) + " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
  auto raw = loopback_exchange(port, request, ReadUntil::kClose, deadline);
  if (!raw) return raw.error();
  HttpAnswer answer;
  const auto space = raw->find(' ');
  const auto head_end = raw->find("\r\n\r\n");
  if (!raw->starts_with("HTTP/1.") || space == std::string::npos || head_end == std::string::npos ||
      std::from_chars(raw->data() + space + 1, raw->data() + raw->size(), answer.status).ec != std::errc()) {
    return Error::unavailable("127.0.0.1:" + std::to_string(port) + " did not answer HTTP");
  }
  answer.body = raw->substr(head_end + 4);
  return answer;
}

}  // namespace cafe::cluster::stack
