#include "platform/sql/internal/pg_wait.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace cafe::sql::internal {

Waker::Waker() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

Waker::~Waker() {
  if (fd_ >= 0) ::close(fd_);
}

void Waker::wake() noexcept {
  const std::uint64_t one = 1;
  if (fd_ >= 0) (void)!::write(fd_, &one, sizeof one);
}

SocketWait wait_socket(int fd, bool read, bool write, Deadline deadline, int wake_fd) {
  if (fd < 0) return SocketWait::kFailed;
  pollfd fds[2] = {};
  fds[0].fd = fd;
  fds[0].events = static_cast<short>((read ? POLLIN : 0) | (write ? POLLOUT : 0));
  fds[1].fd = wake_fd;  // poll ignores a negative fd
  fds[1].events = POLLIN;
  for (;;) {
    const auto now = Deadline::Clock::now();
    if (deadline.expired(now)) return SocketWait::kTimedOut;
    // Rounded up, so that a wait never ends just before its deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline.at() - now).count();
    const int rc = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left, 60'000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return SocketWait::kFailed;
    }
    if (rc == 0) continue;  // the loop checks the deadline again
    if (fds[1].revents != 0) return SocketWait::kWoken;
    // An error or hang-up is "ready": libpq reads it and reports the failure.
    if (fds[0].revents != 0) return SocketWait::kReady;
  }
}

}  // namespace cafe::sql::internal
