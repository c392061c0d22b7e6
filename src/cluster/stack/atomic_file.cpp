#include "cluster/stack/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace cafe::cluster::stack {

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  // Unique per call, so that two threads writing the same file never share
  // a temporary.
  static std::atomic<unsigned> sequence{0};
  const std::filesystem::path temp =
      path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(sequence.fetch_add(1));
  const auto fail = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    return Error::unavailable(std::string("cannot ") + what + " " + path.string() + ": " + reason);
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("write");
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return fail("flush");
  }
  ::close(fd);
  if (std::rename(temp.c_str(), path.c_str()) != 0) return fail("replace");
  return ok();
}

}  // namespace cafe::cluster::stack
