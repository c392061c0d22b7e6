#include "cluster/stack/server_account.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace cafe::cluster::stack {

namespace {

// Whether `account` may search (x) the directory `dir`, by its mode bits.
bool searchable_by(const std::filesystem::path& dir, const RunAs& account) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) return false;
  if (st.st_uid == account.uid) return (st.st_mode & S_IXUSR) != 0;
  if (st.st_gid == account.gid) return (st.st_mode & S_IXGRP) != 0;
  return (st.st_mode & S_IXOTH) != 0;
}

}  // namespace

Result<std::optional<RunAs>> server_account() {
  if (::geteuid() != 0) return std::optional<RunAs>();
  for (const char* name : {"postgres", "nobody"}) {
    if (auto account = lookup_user(name)) return std::optional<RunAs>(*account);
  }
  return Error::make(
      ErrorCode::kFailedPrecondition,
      "running as root, and neither a 'postgres' nor a 'nobody' account exists to run servers as");
}

Result<void> make_server_dir(const std::filesystem::path& dir, const std::optional<RunAs>& account) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::unavailable("cannot create " + dir.string() + ": " + ec.message());
  if (!account) return ok();
  const auto absolute = std::filesystem::absolute(dir);
  for (auto parent = absolute.parent_path();; parent = parent.parent_path()) {
    if (!searchable_by(parent, *account)) {
      return Error::make(ErrorCode::kFailedPrecondition,
                         "servers run as '" + account->name + "' cannot reach " + absolute.string() + ": " +
                             parent.string() +
                             " is not searchable by it (chmod o+x, or use another data dir)");
    }
    if (parent == parent.root_path()) break;
  }
  if (::chown(dir.c_str(), account->uid, account->gid) != 0) {
    return Error::unavailable("cannot hand " + dir.string() + " to '" + account->name +
                              "': " + std::strerror(errno));
  }
  return ok();
}

}  // namespace cafe::cluster::stack
