// A real PostgreSQL server for tests: initdb in a temp dir, started with
// pg_ctl on a free loopback port (never 5432), stopped and deleted by the
// destructor. Runs as an unprivileged user when the test runs as root.
#pragma once

#include "platform/core/error.h"

#include <memory>
#include <string>
#include <vector>

namespace cafe::test {

class PostgresServer {
 public:
  // Starts a server (bounded: 30 s to become ready). kUnavailable with the
  // reason when the binaries are missing or the server cannot start.
  static Result<std::unique_ptr<PostgresServer>> start();

  // The server shared by every test of this executable, started on first
  // use. When it cannot start, records a fatal failure if the environment
  // says CI=true, else skips the current test; either way returns nullptr
  // and the caller returns. Call from SetUp or the test body.
  static PostgresServer* start_or_skip();

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // libpq connection string of the database created at start.
  const std::string& conninfo() const noexcept { return conninfo_; }

  // Creates an empty database and returns its connection string, so tests
  // sharing the server do not share tables.
  Result<std::string> create_database(const std::string& name);

  int port() const noexcept { return port_; }

  // Stops (SIGSTOP) the postmaster and every process it started, the way a
  // hung host looks from outside: connections stay open and the kernel
  // still accepts and acknowledges, but nothing answers. resume()
  // continues them (SIGCONT). Prefer Paused, which resumes on every path.
  Result<void> pause();
  Result<void> resume();

  class Paused {
   public:
    explicit Paused(PostgresServer& server) : server_(server), paused_(server.pause()) {}
    ~Paused() { (void)server_.resume(); }
    Paused(const Paused&) = delete;
    Paused& operator=(const Paused&) = delete;
    const Result<void>& status() const noexcept { return paused_; }

   private:
    PostgresServer& server_;
    Result<void> paused_;
  };

  // The postmaster's process id (the first line of its postmaster.pid), or
  // 0 when it is not running. Tests freeze the server (SIGSTOP) through it
  // to make a database that stops answering.
  int postmaster_pid() const;

 private:
  PostgresServer() = default;
  Result<void> launch();
  std::string conninfo_for(const std::string& dbname) const;
  static std::vector<int> children_of(int parent);  // from /proc

  std::string bindir_;
  std::string dir_;     // temp dir: data/, sock/, logs
  std::string run_as_;  // empty when not root
  int port_ = 0;
  bool running_ = false;
  std::string conninfo_;
};

}  // namespace cafe::test
