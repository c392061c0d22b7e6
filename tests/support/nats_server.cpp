#include "support/nats_server.h"

#include "support/local_server.h"

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace cafe::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kBinary = "/usr/sbin/nats-server";
constexpr auto kReadyTimeout = 10s;

std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

}  // namespace

bool jetstream_answers(const std::string& url, int timeout_ms) {
  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK) return false;
  natsOptions_SetURL(opts, url.c_str());
  natsOptions_SetTimeout(opts, timeout_ms);
  natsOptions_SetAllowReconnect(opts, false);
  natsConnection* conn = nullptr;
  bool answered = false;
  if (natsConnection_Connect(&conn, opts) == NATS_OK) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = timeout_ms;
    jsCtx* js = nullptr;
    if (natsConnection_JetStream(&js, conn, &jo) == NATS_OK) {
      jsAccountInfo* info = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      answered = js_GetAccountInfo(&info, js, &jo, &code) == NATS_OK;
      jsAccountInfo_Destroy(info);
      jsCtx_Destroy(js);
    }
    natsConnection_Destroy(conn);
  }
  natsOptions_Destroy(opts);
  return answered;
}

Result<std::unique_ptr<NatsServer>> NatsServer::start_new() {
  if (::access(kBinary, X_OK) != 0) return Error::unavailable(std::string(kBinary) + " not found");
  std::unique_ptr<NatsServer> server(new NatsServer());
  std::string tmpl = (fs::temp_directory_path() / "cafe-nats-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Error::unavailable("cannot create a temp dir for nats");
  server->dir_ = tmpl;
  server->port_ = free_loopback_port();
  if (server->port_ == 0) return Error::unavailable("no free loopback port");
  if (auto started = server->launch(); !started) return started.error();
  return server;
}

NatsServer* NatsServer::start_or_skip() {
  return shared_or_skip<NatsServer>("nats-server");
}

std::unique_ptr<NatsServer> NatsServer::start_own_or_skip() {
  return own_or_skip<NatsServer>("nats-server");
}

std::string NatsServer::url() const {
  return "nats://127.0.0.1:" + std::to_string(port_);
}

Result<void> NatsServer::launch() {
  if (pid_ > 0) return ok();
  const std::string log = dir_ + "/nats.log";
  std::vector<std::string> args = {kBinary, "-js",           "-a", "127.0.0.1", "-p", std::to_string(port_),
                                   "-sd",   dir_ + "/store", "-l", log};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string console = dir_ + "/console.log";
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, console.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, kBinary, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error::unavailable(std::string("cannot spawn nats-server: ") + std::strerror(rc));
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (jetstream_answers(url(), 200)) return ok();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Error::unavailable("nats-server exited at start: " + log_tail(log) + log_tail(console));
    }
    std::this_thread::sleep_for(20ms);
  }
  kill();
  return Error::unavailable("nats-server's JetStream did not answer within 10 s: " + log_tail(log));
}

void NatsServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Result<void> NatsServer::restart() {
  return launch();
}

NatsServer::~NatsServer() {
  kill();
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

}  // namespace cafe::test
