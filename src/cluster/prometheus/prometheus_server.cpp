#include "cluster/prometheus/prometheus_server.h"

#include "cluster/prometheus/prometheus_config.h"
#include "cluster/stack/atomic_file.h"
#include "cluster/stack/dir_lock.h"
#include "cluster/stack/loopback.h"
#include "cluster/stack/server_account.h"
#include "cluster/stack/server_launch.h"

#include <csignal>
#include <fstream>
#include <iterator>
#include <optional>

namespace cafe::cluster::prometheus {

namespace {

namespace fs = std::filesystem;
constexpr const char* kBinary = "/usr/bin/prometheus";

Result<std::string> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::unavailable("cannot read " + path.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

struct PrometheusServer::State {
  std::optional<stack::DirLock> lock;
  std::optional<stack::RunningServer> server;
  fs::path run_dir;
};

PrometheusServer::PrometheusServer(const PrometheusOptions& options)
    : options_(options), state_(std::make_unique<State>()) {}

Result<std::unique_ptr<PrometheusServer>> PrometheusServer::start(const PrometheusOptions& options) {
  if (options.dir.empty() || options.file_sd.empty() || options.rules_file.empty()) {
    return Error::invalid("Prometheus needs a directory, a file_sd file and a rules file");
  }
  std::unique_ptr<PrometheusServer> server(new PrometheusServer(options));
  if (auto launched = server->launch(); !launched) return launched.error();
  return server;
}

Result<void> PrometheusServer::launch() {
  if (!fs::exists(kBinary))
    return Error::unavailable(std::string(kBinary) + " not found (Debian package prometheus)");
  const Deadline deadline = Deadline::after(options_.start_timeout);
  const fs::path dir = fs::absolute(options_.dir);
  auto lock = stack::DirLock::take(dir / "prometheus.lock");
  if (!lock) return lock.error();
  state_->lock.emplace(std::move(*lock));
  state_->run_dir = dir / "run";
  if (auto cleaned = stack::stop_recorded_servers(state_->run_dir, Deadline::after(options_.stop_timeout));
      !cleaned) {
    return cleaned;
  }
  auto account = stack::server_account();
  if (!account) return account.error();
  if (auto made = stack::make_server_dir(state_->run_dir, std::nullopt); !made) return made;
  if (auto made = stack::make_server_dir(dir / "data", *account); !made) return made;

  // The rules as of this start, where the server's account can read them.
  auto rules = read_all(options_.rules_file);
  if (!rules) return rules.error();
  const fs::path rules_copy = dir / "rules.yml";
  if (auto written = stack::write_file_atomically(rules_copy, *rules); !written) return written;
  const fs::path config = dir / "prometheus.yml";
  const std::string text = render_config(
      {.file_sd = fs::absolute(options_.file_sd), .rules_file = rules_copy, .interval = options_.interval});
  if (auto written = stack::write_file_atomically(config, text); !written) return written;
  // Prometheus reads the targets file as its account, and wants it to exist.
  if (!fs::exists(options_.file_sd)) {
    if (auto written = stack::write_file_atomically(options_.file_sd, "[]\n"); !written) return written;
  }

  log_path_ = (dir / "prometheus.log").string();
  const stack::ServerLaunch launch{
      .name = "prometheus",
      .spec = [this, dir, config, account = *account](std::uint16_t port) -> Result<ProcessSpec> {
        ProcessSpec spec;
        spec.argv = {kBinary, "--config.file=" + config.string(),
                     "--storage.tsdb.path=" + (dir / "data").string(),
                     "--storage.tsdb.retention.time=" + options_.retention,
                     "--web.listen-address=127.0.0.1:" + std::to_string(port)};
        spec.env = environment_without({});
        spec.log_path = log_path_;
        spec.cwd = dir;
        spec.run_as = account;
        spec.death_signal = SIGTERM;
        return spec;
      },
      .ready = [](std::uint16_t port) -> Result<void> {
        auto answer =
            stack::loopback_http_get(port, "/-/ready", Deadline::after(std::chrono::milliseconds(500)));
        if (!answer) return answer.error();
        if (answer->status != 200)
          return Error::unavailable("/-/ready answered " + std::to_string(answer->status));
        return ok();
      },
      .stop_signal = SIGTERM,
  };
  auto running = stack::launch_server(launch, state_->run_dir, deadline);
  if (!running) return running.error();
  state_->server = *running;
  port_ = running->component.port;
  pid_ = running->component.pid;
  return ok();
}

Result<void> PrometheusServer::stop() {
  if (stopped_) return ok();
  stopped_ = true;
  Result<void> outcome = ok();
  if (state_->server) {
    outcome = stack::stop_servers({*state_->server}, state_->run_dir, Deadline::after(options_.stop_timeout));
  }
  state_->lock.reset();
  return outcome;
}

PrometheusServer::~PrometheusServer() {
  (void)stop();
}

}  // namespace cafe::cluster::prometheus
