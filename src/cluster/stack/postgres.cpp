#include "cluster/stack/postgres.h"

#include "cluster/stack/child_process.h"
#include "cluster/stack/server_account.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace cafe::cluster::stack {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSuperuser = "postgres";
constexpr const char* kReplicationRole = "cafe_replication";
constexpr const char* kSlot = "cafe_standby";

std::vector<std::string> server_environment() {
  // PGDATA, PGPORT, PGHOST... of the supervisor's shell must not redirect
  // the stack's servers and commands.
  return environment_without({"PG"});
}

ProcessSpec command(const PostgresSetup& setup, const std::string& program, std::vector<std::string> args,
                    const std::string& log, bool as_account) {
  ProcessSpec spec;
  spec.argv.push_back((setup.bindir / program).string());
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = server_environment();
  spec.log_path = setup.paths.log(log);
  spec.cwd = setup.paths.postgres;
  if (as_account) spec.run_as = setup.account;
  return spec;
}

Result<void> remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Error::unavailable("cannot remove " + path.string() + ": " + ec.message());
  return ok();
}

Result<void> touch(const fs::path& path, const std::optional<RunAs>& account) {
  std::ofstream out(path);
  if (!out) return Error::unavailable("cannot write " + path.string());
  out.close();
  if (account && ::chown(path.c_str(), account->uid, account->gid) != 0) {
    return Error::unavailable("cannot hand " + path.string() + " to " + account->name);
  }
  return ok();
}

// Settings both servers share. The data directories keep postgresql.conf
// as initdb wrote it; everything the stack needs is on the command line,
// where it wins over the files and changes with the ports of each start.
std::vector<std::string> common_settings(const fs::path& data, std::uint16_t port) {
  return {"-D", data.string(), "-c", "port=" + std::to_string(port), "-c", "listen_addresses=127.0.0.1",
          // No Unix socket: its path would be limited to 107 bytes, and
          // everything connects over TCP.
          "-c", "unix_socket_directories=", "-c", "max_connections=200", "-c", "shared_buffers=64MB", "-c",
          "wal_level=replica", "-c", "max_wal_senders=4", "-c", "max_replication_slots=4",
          // A standby that stays away keeps at most this much WAL on the
          // primary, then has to be cloned again.
          "-c", "max_slot_wal_keep_size=1GB", "-c", "hot_standby=on", "-c", "log_line_prefix=%m [%p] "};
}

Result<void> ready_at(const PostgresSetup& setup, std::uint16_t port) {
  // pg_isready exits 0 once the server accepts connections (for a standby:
  // once it has reached a consistent state).
  auto spec = command(setup, "pg_isready",
                      {"-q", "-h", "127.0.0.1", "-p", std::to_string(port), "-U", kSuperuser, "-t", "1"},
                      "pg_isready", false);
  spec.log_path.clear();
  return run_to_completion(spec, Deadline::after(std::chrono::seconds(2)), "pg_isready");
}

bool valid_database_name(const std::string& name) {
  if (name.empty() || name.size() > 63 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

Result<fs::path> postgres_bindir() {
  std::error_code ec;
  double newest = 0;
  fs::path found;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    // Versions compare as numbers ("15" after "9.6"), not as text.
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const double version = std::strtod(name.c_str(), &end);
    if (end == name.c_str() || *end != '\0' || version <= newest) continue;
    if (!fs::exists(entry.path() / "bin" / "postgres")) continue;
    newest = version;
    found = entry.path() / "bin";
  }
  if (!found.empty()) return found;
  for (const char* dir : {"/usr/local/bin", "/usr/bin"}) {
    if (fs::exists(fs::path(dir) / "postgres") && fs::exists(fs::path(dir) / "initdb")) return fs::path(dir);
  }
  return Error::unavailable(
      "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin, /usr/local/bin)");
}

Result<void> initialize_primary(const PostgresSetup& setup, Deadline deadline) {
  if (fs::exists(setup.paths.primary_ready)) return ok();
  if (auto removed = remove_tree(setup.paths.primary); !removed) return removed;
  if (auto removed = remove_tree(setup.paths.standby_ready); !removed) return removed;
  // initdb refuses to run as root; it runs as the account and creates the
  // data directory (0700) itself.
  auto spec = command(
      setup, "initdb",
      {"-D", setup.paths.primary.string(), "-U", kSuperuser, "-A", "trust", "-E", "UTF8", "--locale=C"},
      "initdb", true);
  return run_to_completion(spec, deadline, "initdb");
}

Result<void> finish_primary(const PostgresSetup& setup, std::uint16_t primary_port, Deadline deadline) {
  if (fs::exists(setup.paths.primary_ready)) return ok();
  const std::string sql = std::string("CREATE ROLE ") + kServiceRole + " LOGIN; CREATE ROLE " +
                          kReplicationRole + " REPLICATION LOGIN;";
  if (auto created = run_sql(setup, primary_port, kSuperuser, "postgres", sql, deadline); !created) {
    return created.error();
  }
  return touch(setup.paths.primary_ready, std::nullopt);
}

Result<void> initialize_standby(const PostgresSetup& setup, std::uint16_t primary_port, Deadline deadline) {
  if (fs::exists(setup.paths.standby_ready)) return ok();
  if (auto removed = remove_tree(setup.paths.standby); !removed) return removed;
  // A slot left by an interrupted clone would make pg_basebackup -C fail.
  const std::string drop =
      std::string("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots ") +
      "WHERE slot_name = '" + kSlot + "'";
  if (auto dropped = run_sql(setup, primary_port, kSuperuser, "postgres", drop, deadline); !dropped) {
    return dropped.error();
  }
  // -c fast: a checkpoint at once instead of a spread one; -C -S: the slot
  // the standby streams from, created with the backup so no WAL is missed.
  auto spec = command(setup, "pg_basebackup",
                      {"-h", "127.0.0.1", "-p", std::to_string(primary_port), "-U", kReplicationRole, "-D",
                       setup.paths.standby.string(), "-X", "stream", "-c", "fast", "-C", "-S", kSlot},
                      "pg_basebackup", true);
  if (auto cloned = run_to_completion(spec, deadline, "pg_basebackup"); !cloned) return cloned;
  if (auto marked = touch(setup.paths.standby / "standby.signal", setup.account); !marked) return marked;
  return touch(setup.paths.standby_ready, std::nullopt);
}

ServerLaunch primary_launch(const PostgresSetup& setup) {
  return ServerLaunch{
      .name = "postgres-primary",
      .spec = [setup](std::uint16_t port) -> Result<ProcessSpec> {
        auto spec =
            command(setup, "postgres", common_settings(setup.paths.primary, port), "postgres-primary", true);
        // Immediate shutdown: the postmaster takes its backends with it.
        spec.death_signal = SIGQUIT;
        return spec;
      },
      .ready = [setup](std::uint16_t port) { return ready_at(setup, port); },
      .stop_signal = SIGINT,  // fast shutdown: roll back, checkpoint, exit
  };
}

ServerLaunch standby_launch(const PostgresSetup& setup, std::uint16_t primary_port) {
  return ServerLaunch{
      .name = "postgres-standby",
      .spec = [setup, primary_port](std::uint16_t port) -> Result<ProcessSpec> {
        auto args = common_settings(setup.paths.standby, port);
        args.insert(args.end(),
                    {"-c",
                     "primary_conninfo=host=127.0.0.1 port=" + std::to_string(primary_port) +
                         " user=" + kReplicationRole + " application_name=" + kSlot + " connect_timeout=2",
                     "-c", std::string("primary_slot_name=") + kSlot});
        auto spec = command(setup, "postgres", std::move(args), "postgres-standby", true);
        spec.death_signal = SIGQUIT;
        return spec;
      },
      .ready = [setup](std::uint16_t port) { return ready_at(setup, port); },
      .stop_signal = SIGINT,
  };
}

Result<std::string> run_sql(const PostgresSetup& setup, std::uint16_t port, const std::string& user,
                            const std::string& dbname, const std::string& sql, Deadline deadline) {
  // psql's rows go to a file of their own (-o); its errors to psql.log.
  static std::atomic<unsigned> sequence{0};
  const fs::path rows = setup.paths.logs / ("psql-rows." + std::to_string(::getpid()) + "." +
                                            std::to_string(sequence.fetch_add(1)));
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port) + " user=" + user +
                               " dbname=" + dbname + " connect_timeout=2";
  auto spec =
      command(setup, "psql",
              {"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-o", rows.string(), "-c", sql, conninfo},
              "psql", false);
  auto ran = run_to_completion(spec, deadline, "psql");
  std::ifstream in(rows);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::error_code ignored;
  fs::remove(rows, ignored);
  if (!ran) return ran.error();
  return out;
}

Result<void> ensure_database(const PostgresSetup& setup, std::uint16_t primary_port, const std::string& name,
                             Deadline deadline) {
  if (!valid_database_name(name)) {
    return Error::invalid("'" + name + "' is not a database name (a-z, 0-9, _; starting with a letter)");
  }
  const std::string exists = "SELECT 1 FROM pg_database WHERE datname = '" + name + "'";
  auto found = run_sql(setup, primary_port, kSuperuser, "postgres", exists, deadline);
  if (!found) return found.error();
  if (!found->empty()) return ok();
  auto created = run_sql(setup, primary_port, kSuperuser, "postgres",
                         "CREATE DATABASE " + name + " OWNER " + kServiceRole, deadline);
  if (created) return ok();
  // Another supervisor thread may have created it in between.
  auto again = run_sql(setup, primary_port, kSuperuser, "postgres", exists, deadline);
  if (again && !again->empty()) return ok();
  return created.error();
}

}  // namespace cafe::cluster::stack
