#include "support/postgres_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace cafe::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSuperuser = "cafe";
constexpr const char* kDatabase = "cafe";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& s, std::size_t n = 600) {
  return s.size() <= n ? s : s.substr(s.size() - n);
}

// Runs argv to completion with stdout and stderr in `log`; returns the exit
// status, or -1 when it could not start. Bounded by the commands themselves
// (pg_ctl -t, initdb on a local dir).
int run(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Binds port 0 on loopback and returns the port the kernel picked. Another
// process may take it before postgres binds it; launch() retries.
int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string find_bindir() {
  const std::string probe = fs::temp_directory_path() / ("cafe-pg-config-" + std::to_string(getpid()));
  std::string dir;
  if (run({"pg_config", "--bindir"}, probe) == 0) {
    dir = read_file(probe);
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  }
  std::error_code ignored;
  fs::remove(probe, ignored);
  if (dir.empty() || !fs::exists(fs::path(dir) / "initdb")) dir = "/usr/lib/postgresql/15/bin";
  return dir;
}

// PostgreSQL refuses to run as root: pick the postgres system user, else nobody.
std::string unprivileged_user() {
  if (geteuid() != 0) return "";
  if (getpwnam("postgres") != nullptr) return "postgres";
  return "nobody";
}

// A fatal failure or a skip ends the current test once its caller returns
// (gtest checks both between SetUp and the test body).
void report_unavailable(const std::string& why) {
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") {
    GTEST_FAIL() << "PostgreSQL is required when CI=true: " << why;
  }
  GTEST_SKIP() << "PostgreSQL unavailable: " << why;
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bindir_ = find_bindir();
  if (!fs::exists(fs::path(server->bindir_) / "initdb") ||
      !fs::exists(fs::path(server->bindir_) / "pg_ctl")) {
    return Error::unavailable("PostgreSQL binaries not found (pg_config --bindir, " + server->bindir_ + ")");
  }
  server->run_as_ = unprivileged_user();
  std::string templ = (fs::temp_directory_path() / "cafe-pg-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return Error::unavailable("cannot create a temp dir for PostgreSQL");
  server->dir_ = templ;
  if (!server->run_as_.empty()) {
    const passwd* pw = getpwnam(server->run_as_.c_str());
    if (pw == nullptr || chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Error::unavailable("cannot hand " + server->dir_ + " to user " + server->run_as_);
    }
  }
  if (auto launched = server->launch(); !launched) return launched.error();
  return server;
}

Result<void> PostgresServer::launch() {
  auto as_user = [this](std::vector<std::string> argv) {
    if (run_as_.empty()) return argv;
    std::vector<std::string> wrapped = {"runuser", "-u", run_as_, "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  };
  const std::string data = dir_ + "/data";
  const std::string sock = dir_ + "/sock";
  const std::string log = dir_ + "/commands.log";
  if (run(as_user({"mkdir", "-p", sock}), log) != 0) return Error::unavailable("cannot create " + sock);
  // -N: no fsync during initdb; the cluster is thrown away after the run.
  if (run(as_user({bindir_ + "/initdb", "-D", data, "-U", kSuperuser, "-A", "trust", "-E", "UTF8",
                   "--locale=C", "-N"}),
          log) != 0) {
    return Error::unavailable("initdb failed: " + tail(read_file(log)));
  }
  std::string last_failure;
  for (int attempt = 0; attempt < 3 && !running_; ++attempt) {
    port_ = free_loopback_port();
    const std::string options = "-p " + std::to_string(port_) + " -k " + sock +
                                " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
                                " -c synchronous_commit=off -c max_connections=200";
    const int rc = run(as_user({bindir_ + "/pg_ctl", "-D", data, "-l", dir_ + "/postgres.log", "-o", options,
                                "-w", "-t", "30", "start"}),
                       log);
    if (rc == 0) {
      running_ = true;
    } else {
      last_failure = tail(read_file(log)) + "\n" + tail(read_file(dir_ + "/postgres.log"));
    }
  }
  if (!running_) return Error::unavailable("PostgreSQL did not start: " + last_failure);
  conninfo_ = conninfo_for(kDatabase);
  if (auto db = create_database(kDatabase); !db) return db.error();
  return ok();
}

std::string PostgresServer::conninfo_for(const std::string& dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + kSuperuser + " dbname=" + dbname;
}

int PostgresServer::postmaster_pid() const {
  if (!running_) return 0;
  std::ifstream in(dir_ + "/data/postmaster.pid");
  int pid = 0;
  in >> pid;
  return in ? pid : 0;
}

Result<std::string> PostgresServer::create_database(const std::string& name) {
  const std::string log = dir_ + "/createdb-" + std::to_string(getpid()) + ".log";
  // createdb connects as the cluster's superuser over TCP; any OS user may run it.
  if (run({bindir_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", kSuperuser, name},
          log) != 0) {
    return Error::unavailable("createdb " + name + " failed: " + tail(read_file(log)));
  }
  return conninfo_for(name);
}

PostgresServer::~PostgresServer() {
  if (running_) {
    std::vector<std::string> argv = {bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m",
                                     "immediate",         "-w", "stop"};
    if (!run_as_.empty()) argv.insert(argv.begin(), {"runuser", "-u", run_as_, "--"});
    run(argv, dir_ + "/stop.log");
  }
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

std::vector<int> PostgresServer::children_of(int parent) {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces.
    const std::string stat = read_file(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    int ppid = 0;
    if (rest >> state >> ppid && ppid == parent) pids.push_back(std::stoi(name));
  }
  return pids;
}

Result<void> PostgresServer::pause() {
  const int postmaster = postmaster_pid();
  if (postmaster <= 0) return Error::unavailable("no postmaster.pid in " + dir_);
  // The postmaster first, so that no backend is started after the children
  // are listed.
  if (kill(postmaster, SIGSTOP) != 0) return Error::unavailable("cannot stop the postmaster");
  for (const int pid : children_of(postmaster)) {
    if (kill(pid, SIGSTOP) != 0 && errno != ESRCH)
      return Error::unavailable("cannot stop pid " + std::to_string(pid));
  }
  return ok();
}

Result<void> PostgresServer::resume() {
  const int postmaster = postmaster_pid();
  if (postmaster <= 0) return Error::unavailable("no postmaster.pid in " + dir_);
  for (const int pid : children_of(postmaster)) {
    if (kill(pid, SIGCONT) != 0 && errno != ESRCH) {
      return Error::unavailable("cannot continue pid " + std::to_string(pid));
    }
  }
  if (kill(postmaster, SIGCONT) != 0) return Error::unavailable("cannot continue the postmaster");
  return ok();
}

PostgresServer* PostgresServer::start_or_skip() {
  static std::once_flag once;
  static std::unique_ptr<PostgresServer> shared;
  static std::string failure;
  std::call_once(once, [] {
    try {
      auto started = start();
      if (started) {
        shared = std::move(*started);
      } else {
        failure = started.error().detail;
      }
    } catch (const std::exception& e) {  // std::filesystem on a bad TMPDIR
      failure = e.what();
    }
  });
  if (shared) return shared.get();
  report_unavailable(failure);
  return nullptr;
}

}  // namespace cafe::test
