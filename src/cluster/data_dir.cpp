#include "cluster/data_dir.h"

#include "cluster/process.h"
#include "platform/json/body.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cafe::cluster {

namespace fs = std::filesystem;

namespace {

Result<void> write_private_file(const fs::path& path, const std::string& content, mode_t mode) {
  const fs::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Error::unavailable("cannot write " + temp.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::fchmod(fd, mode);  // whatever the umask took away or left
  ::close(fd);
  if (!written) return Error::unavailable("cannot write " + temp.string());
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return Error::unavailable("cannot rename " + temp.string() + ": " + ec.message());
  return {};
}

// `arg` names `root` or something under it ("--data-dir=/x/var/data"),
// not a sibling that merely shares the prefix ("/x/var2").
bool mentions_path(std::string_view arg, std::string_view root) {
  for (auto at = arg.find(root); at != std::string_view::npos; at = arg.find(root, at + 1)) {
    const bool starts = at == 0 || arg[at - 1] == '=' || arg[at - 1] == ' ';
    const std::size_t end = at + root.size();
    const bool ends = end == arg.size() || arg[end] == '/';
    if (starts && ends) return true;
  }
  return false;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

DataDir::DataDir(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  if (root_.has_filename() == false) root_ = root_.parent_path();  // "var/" -> "var"
}

Result<void> DataDir::create() const {
  for (const auto& dir : {root_, logs(), root_ / "data"}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error::unavailable("cannot create " + dir.string() + ": " + ec.message());
    // The root can be traversed (not listed) by others: the real stack's
    // servers run as an unprivileged user and keep their data under it.
    ::chmod(dir.c_str(), dir == root_ ? 0711 : 0700);
  }
  return {};
}

Result<std::string> DataDir::ensure_token() const {
  const fs::path path = token_file();
  if (fs::exists(path)) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      return Error::invalid("admin token file " + path.string() +
                            " must not be readable by group or others (chmod 600)");
    std::string token = read_all(path);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.size() >= 16) return token;
    return Error::invalid("admin token in " + path.string() + " is shorter than 16 characters");
  }
  std::array<unsigned char, 16> random{};
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(reinterpret_cast<char*>(random.data()), random.size()))
    return Error::unavailable("cannot read /dev/urandom");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : random) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  if (auto written = write_private_file(path, token + "\n", 0600); !written) return written.error();
  return token;
}

Result<ClusterLock> ClusterLock::acquire(const DataDir& dir) {
  const int fd = ::open(dir.lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error::unavailable("cannot open " + dir.lock_file().string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    std::string who;
    if (auto state = read_state(dir); state)
      who = " (supervisor pid " + std::to_string(state->supervisor_pid) + ")";
    return Error::conflict("a cluster is already running on " + dir.root().string() + who +
                           "; `cloudcafe down --data-dir " + dir.root().string() + "` stops it");
  }
  return ClusterLock(fd);
}

ClusterLock::~ClusterLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool cluster_running(const DataDir& dir) {
  const int fd = ::open(dir.lock_file().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

Result<void> write_state(const DataDir& dir, const ClusterState& s) {
  boost::json::object o{{"supervisor_pid", s.supervisor_pid},
                        {"control", s.control},
                        {"gateway", s.gateway},
                        {"stack", s.stack},
                        {"prometheus", s.prometheus},
                        {"ready", s.ready},
                        {"failure", s.failure}};
  return write_private_file(dir.state_file(), boost::json::serialize(o) + "\n", 0600);
}

Result<ClusterState> read_state(const DataDir& dir) {
  if (!fs::exists(dir.state_file()))
    return Error::not_found("no cluster on " + dir.root().string() +
                            " (start one with `cloudcafe up --data-dir " + dir.root().string() + "`)");
  auto parsed =
      json::parse(read_all(dir.state_file()), {.max_depth = 4, .max_bytes = std::size_t{64} * 1024});
  if (!parsed || !parsed->is_object())
    return Error::invalid(dir.state_file().string() + " is not a cluster state file");
  const auto& o = parsed->as_object();
  ClusterState s;
  auto text = [&](const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (const auto* v = o.if_contains("supervisor_pid"); v && v->is_int64())
    s.supervisor_pid = static_cast<pid_t>(v->as_int64());
  if (const auto* v = o.if_contains("ready"); v && v->is_bool()) s.ready = v->as_bool();
  s.control = text("control");
  s.gateway = text("gateway");
  s.stack = text("stack");
  s.prometheus = text("prometheus");
  s.failure = text("failure");
  return s;
}

Result<void> write_child_pids(const DataDir& dir, const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) text += std::to_string(pid) + "\n";
  return write_private_file(dir.pids_file(), text, 0600);
}

int stop_leftover_children(const DataDir& dir) {
  std::ifstream in(dir.pids_file());
  int stopped = 0;
  pid_t pid = 0;
  const std::string root = dir.root().string();
  while (in >> pid) {
    if (pid <= 1 || pid == ::getpid() || !process_alive(pid)) continue;
    // Only a process that still runs under this data dir: the pid may have
    // been reused by something else since.
    bool ours = false;
    for (const auto& arg : process_command_line(pid)) ours = ours || mentions_path(arg, root);
    if (!ours) continue;
    if (::kill(pid, SIGKILL) == 0) ++stopped;
  }
  return stopped;
}

}  // namespace cafe::cluster
