#include "cluster/stack/dir_lock.h"

#include "cluster/stack/child_process.h"
#include "cluster/stack/pid_records.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace cafe::cluster::stack {

Result<DirLock> DirLock::take(const std::filesystem::path& lock_file) {
  std::error_code ec;
  std::filesystem::create_directories(lock_file.parent_path(), ec);
  if (ec)
    return Error::unavailable("cannot create " + lock_file.parent_path().string() + ": " + ec.message());
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error::unavailable("cannot open " + lock_file.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Error::make(ErrorCode::kFailedPrecondition,
                       "another supervisor is running the servers in " + lock_file.parent_path().string());
  }
  return DirLock(fd);
}

DirLock& DirLock::operator=(DirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

Result<void> stop_recorded_servers(const std::filesystem::path& run_dir, Deadline deadline) {
  std::vector<PidRecord> running;
  for (auto& record : read_pid_records(run_dir)) {
    if (still_running(record)) {
      ::kill(record.pid, record.stop_signal);
      running.push_back(record);
    } else {
      remove_pid_record(run_dir, record.name);
    }
  }
  Result<void> outcome = ok();
  for (const auto& record : running) {
    if (auto stopped = finish_stop(record.pid, deadline); !stopped) {
      if (outcome) outcome = Error::unavailable("left-over " + record.name + ": " + stopped.error().detail);
      continue;
    }
    remove_pid_record(run_dir, record.name);
  }
  return outcome;
}

}  // namespace cafe::cluster::stack
