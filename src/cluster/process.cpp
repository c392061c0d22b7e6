#include "cluster/process.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <sstream>
#include <sys/prctl.h>
#include <unistd.h>

extern char** environ;

namespace cafe::cluster {

namespace {

struct SignalName {
  int number;
  const char* name;
};
constexpr std::array kSignals{
    SignalName{SIGHUP, "HUP"},   SignalName{SIGINT, "INT"},   SignalName{SIGQUIT, "QUIT"},
    SignalName{SIGABRT, "ABRT"}, SignalName{SIGKILL, "KILL"}, SignalName{SIGUSR1, "USR1"},
    SignalName{SIGSEGV, "SEGV"}, SignalName{SIGUSR2, "USR2"}, SignalName{SIGTERM, "TERM"},
    SignalName{SIGCONT, "CONT"}, SignalName{SIGSTOP, "STOP"}, SignalName{SIGTSTP, "TSTP"},
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Only async-signal-safe calls from here to exec: the supervisor has other
// threads, whose locks the child inherits held.
void write_raw(int fd, const char* text) {
  const std::size_t n = std::strlen(text);
  ssize_t ignored = ::write(fd, text, n);
  (void)ignored;
}

[[noreturn]] void child_fail(const char* what, const char* program) {
  const int saved = errno;
  write_raw(STDERR_FILENO, "cloudcafe supervisor: ");
  write_raw(STDERR_FILENO, what);
  write_raw(STDERR_FILENO, " ");
  write_raw(STDERR_FILENO, program);
  write_raw(STDERR_FILENO, ": ");
  write_raw(STDERR_FILENO,
            std::strerror(saved));  // not async-signal-safe in theory; glibc's is a table lookup
  write_raw(STDERR_FILENO, "\n");
  ::_exit(127);
}

}  // namespace

Result<RunAs> lookup_user(const std::string& name) {
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return Error::not_found("no user account '" + name + "'");
  }
  return RunAs{.uid = found->pw_uid, .gid = found->pw_gid, .name = name};
}

Result<pid_t> spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Error::invalid("a process needs a program");
  // Everything the child needs is prepared before fork.
  std::vector<char*> argv = c_strings(spec.argv);
  std::vector<char*> envp = c_strings(spec.env);
  const std::string log_path = spec.log_path.empty() ? std::string("/dev/null") : spec.log_path.string();
  const std::string cwd = spec.cwd.string();
  const bool search_path = spec.argv.front().find('/') == std::string::npos;
  const pid_t parent = ::getpid();
  const int death_signal = spec.death_signal;
  const std::optional<RunAs> run_as = spec.run_as;

  const pid_t pid = ::fork();
  if (pid < 0) return Error::unavailable(std::string("fork failed: ") + std::strerror(errno));
  if (pid > 0) return pid;

  // The child.
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log >= 0) {
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
  }
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
  ::close_range(3, ~0U, 0);
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the supervisor waits for signals with them blocked
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) child_fail("cannot enter", cwd.c_str());
  if (run_as) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(run_as->gid) != 0 || ::setuid(run_as->uid) != 0) {
      child_fail("cannot switch user for", argv[0]);
    }
  }
  // After the switch of user: a change of credentials clears the setting.
  ::prctl(PR_SET_PDEATHSIG, death_signal);
  if (::getppid() != parent) ::_exit(126);  // the supervisor died before prctl
  if (search_path) {
    ::execvpe(argv[0], argv.data(), envp.data());
  } else {
    ::execve(argv[0], argv.data(), envp.data());
  }
  child_fail("cannot run", argv[0]);
}

std::vector<std::string> environment_without(const std::vector<std::string>& drop_prefixes) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    bool drop = false;
    for (const auto& prefix : drop_prefixes) drop = drop || entry.starts_with(prefix);
    if (!drop) out.emplace_back(entry);
  }
  return out;
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // "pid (comm) S ...": the state follows the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  const char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

std::vector<std::string> process_command_line(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> out;
  std::string arg;
  while (std::getline(in, arg, '\0')) out.push_back(arg);
  return out;
}

std::optional<Memory> process_memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!in) return std::nullopt;
  Memory memory;
  bool any = false;
  std::string key;
  std::uint64_t kib = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    if (!(fields >> key >> kib)) continue;
    if (key == "Pss:") {
      memory.pss_bytes = kib * 1024;
      any = true;
    } else if (key == "Rss:") {
      memory.rss_bytes = kib * 1024;
    }
  }
  if (!any) return std::nullopt;
  return memory;
}

std::optional<int> parse_signal(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc() && ptr == text.data() + text.size()) {
    for (const auto& s : kSignals)
      if (s.number == number) return number;
    return std::nullopt;
  }
  std::string name = text;
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name = name.substr(3);
  for (const auto& s : kSignals)
    if (name == s.name) return s.number;
  return std::nullopt;
}

std::string signal_name(int signal) {
  for (const auto& s : kSignals)
    if (s.number == signal) return std::string("SIG") + s.name;
  return "signal " + std::to_string(signal);
}

}  // namespace cafe::cluster
