// One supervisor per server directory: an exclusive flock on a lock file,
// held while the servers run and released by the kernel however the
// supervisor ends, so a directory whose lock can be taken has no live
// owner and whatever its pid records list was left by a crash.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <filesystem>

namespace cafe::cluster::stack {

class DirLock {
 public:
  // Creates `lock_file`'s directory if needed. kFailedPrecondition when
  // another process holds the lock.
  static Result<DirLock> take(const std::filesystem::path& lock_file);

  DirLock(DirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirLock& operator=(DirLock&& other) noexcept;
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Stops every server still running from the pid records in `run_dir`
// (all signalled at once with their graceful signal, SIGKILL for those
// left at `deadline`) and removes the records. Call with the directory's
// lock held.
Result<void> stop_recorded_servers(const std::filesystem::path& run_dir, Deadline deadline);

}  // namespace cafe::cluster::stack
