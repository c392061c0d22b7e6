// Waiting on a libpq socket without ever waiting past a deadline: poll(2)
// on the socket and on a Waker, so that shutdown ends a wait at once.
#pragma once

#include "platform/core/deadline.h"

namespace cafe::sql::internal {

// An eventfd that, once woken, stays readable: every wait given its fd
// ends at once from then on. Used to stop the pool's maintenance thread.
class Waker {
 public:
  Waker();
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  int fd() const noexcept { return fd_; }
  void wake() noexcept;

 private:
  int fd_;
};

enum class SocketWait { kReady, kTimedOut, kWoken, kFailed };

// Waits until `fd` is readable (`read`) or writable (`write`), the deadline
// passes, or `wake_fd` (-1 for none) is readable.
SocketWait wait_socket(int fd, bool read, bool write, Deadline deadline, int wake_fd = -1);

}  // namespace cafe::sql::internal
