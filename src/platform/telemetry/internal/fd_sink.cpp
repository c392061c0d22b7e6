#include "platform/telemetry/internal/fd_sink.h"

#include <cerrno>
#include <unistd.h>

namespace cafe::telemetry::internal {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

FdSink::~FdSink() {
  if (owned_) ::close(fd_);
}

void FdSink::log(const spdlog::details::log_msg& msg) {
  if (!write_all(fd_, msg.payload.data(), msg.payload.size()))
    failed_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace cafe::telemetry::internal
