#include "cluster/stack/real_stack.h"

#include "cluster/stack/dir_lock.h"
#include "cluster/stack/nats.h"
#include "cluster/stack/postgres.h"
#include "cluster/stack/redis.h"
#include "cluster/stack/server_account.h"
#include "cluster/stack/server_launch.h"
#include "cluster/stack/stack_paths.h"

namespace cafe::cluster::stack {

namespace {

namespace fs = std::filesystem;

constexpr auto kCrashCleanUpTimeout = std::chrono::seconds(15);

}  // namespace

RealStack::RealStack(const StackOptions& options) : options_(options) {}

Result<std::unique_ptr<RealStack>> RealStack::start(const StackOptions& options) {
  if (options.dir.empty()) return Error::invalid("the stack needs a directory");
  std::unique_ptr<RealStack> stack(new RealStack(options));
  if (auto launched = stack->launch(); !launched) return launched.error();  // the destructor stops the rest
  return stack;
}

Result<void> RealStack::launch() {
  const Deadline deadline = Deadline::after(options_.start_timeout);
  const StackPaths paths(fs::absolute(options_.dir));
  auto lock = DirLock::take(paths.lock);
  if (!lock) return lock.error();
  lock_ = std::make_unique<DirLock>(std::move(*lock));
  if (auto cleaned = stop_recorded_servers(paths.run, Deadline::after(options_.stop_timeout)); !cleaned) {
    return cleaned;
  }

  auto account = server_account();
  if (!account) return account.error();
  for (const auto& dir : {paths.logs, paths.run}) {
    if (auto made = make_server_dir(dir, std::nullopt); !made) return made;
  }
  for (const auto& dir : {paths.postgres, paths.redis, paths.nats}) {
    if (auto made = make_server_dir(dir, *account); !made) return made;
  }
  auto bindir = postgres_bindir();
  if (!bindir) return bindir.error();
  auto redis = redis_binary();
  if (!redis) return redis.error();
  auto nats = nats_binary();
  if (!nats) return nats.error();
  postgres_ =
      std::make_unique<PostgresSetup>(PostgresSetup{.paths = paths, .bindir = *bindir, .account = *account});

  const auto started = [this](Result<RunningServer> server) -> Result<std::uint16_t> {
    if (!server) return server.error();
    servers_.push_back(*server);
    components_.push_back(server->component);
    return server->component.port;
  };
  if (auto initialized = initialize_primary(*postgres_, deadline); !initialized) return initialized;
  auto primary = started(launch_server(primary_launch(*postgres_), paths.run, deadline));
  if (!primary) return primary.error();
  if (auto finished = finish_primary(*postgres_, *primary, deadline); !finished) return finished;
  if (auto cloned = initialize_standby(*postgres_, *primary, deadline); !cloned) return cloned;
  if (auto standby = started(launch_server(standby_launch(*postgres_, *primary), paths.run, deadline));
      !standby) {
    return standby.error();
  }
  if (auto r = started(launch_server(redis_launch(paths, *redis, *account), paths.run, deadline)); !r) {
    return r.error();
  }
  if (auto n = started(launch_server(nats_launch(paths, *nats, *account), paths.run, deadline)); !n) {
    return n.error();
  }
  return ok();
}

Result<void> RealStack::stop() {
  std::lock_guard lock(mutex_);
  if (stopped_) return ok();
  stopped_ = true;
  Result<void> outcome = ok();
  if (postgres_) {
    outcome = stop_servers(servers_, postgres_->paths.run, Deadline::after(options_.stop_timeout));
  }
  lock_.reset();
  return outcome;
}

RealStack::~RealStack() {
  (void)stop();
}

std::uint16_t RealStack::port_of(const std::string& name) const {
  for (const auto& c : components_) {
    if (c.name == name) return c.port;
  }
  return 0;
}

std::uint16_t RealStack::redis_port() const {
  return port_of("redis");
}

std::string RealStack::nats_url() const {
  return "nats://127.0.0.1:" + std::to_string(port_of("nats"));
}

std::string RealStack::admin_conninfo(const std::string& server, const std::string& dbname) const {
  const std::uint16_t port = server.starts_with("postgres-") ? port_of(server) : 0;
  if (port == 0) return {};
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=" + dbname +
         " connect_timeout=2";
}

Result<std::string> RealStack::database_for(const std::string& service) {
  std::lock_guard lock(mutex_);
  if (stopped_ || !postgres_) return Error::unavailable("the stack is stopped");
  const std::uint16_t primary = port_of("postgres-primary");
  const std::uint16_t standby = port_of("postgres-standby");
  if (auto ensured = ensure_database(*postgres_, primary, service, Deadline::after(options_.start_timeout));
      !ensured) {
    return ensured.error();
  }
  return "host=127.0.0.1,127.0.0.1 port=" + std::to_string(primary) + "," + std::to_string(standby) +
         " user=" + kServiceRole + " dbname=" + service +
         " target_session_attrs=read-write connect_timeout=2";
}

Result<void> clean_up_after_crash(const std::filesystem::path& dir) {
  const StackPaths paths(fs::absolute(dir));
  if (!fs::exists(paths.run)) return ok();
  auto lock = DirLock::take(paths.lock);
  if (!lock) return lock.error();
  return stop_recorded_servers(paths.run, Deadline::after(kCrashCleanUpTimeout));
}

}  // namespace cafe::cluster::stack
