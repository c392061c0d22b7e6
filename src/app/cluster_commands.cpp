#include "app/cluster_commands.h"

#include "app/config.h"
#include "app/services.h"
#include "cluster/control_client.h"
#include "cluster/data_dir.h"
#include "cluster/log_view.h"
#include "cluster/process.h"
#include "cluster/prometheus/file_sd.h"
#include "cluster/prometheus/prometheus_server.h"
#include "cluster/prometheus/recording_rules.h"
#include "cluster/stack/real_stack.h"
#include "cluster/stack_environment.h"
#include "cluster/supervisor.h"
#include "platform/json/body.h"
#include "platform/service/host.h"
#include "platform/service/termination_signals.h"
#include "platform/telemetry/log.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace cafe::app {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using cluster::DataDir;

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "cloudcafe: %s\n", what.c_str());
  return 1;
}

int fail(const Error& error) {
  std::fprintf(stderr, "cloudcafe: %s\n", error.detail.c_str());
  return error.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

std::string self_binary() {
  std::error_code ec;
  auto path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("cloudcafe") : path.string();
}

std::string tail_of(const fs::path& path, std::size_t max_lines) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

void print_banner(const DataDir& dir, const cluster::ClusterState& state, double ready_ms) {
  std::printf("cluster ready in %.0f ms (%s stack)\n", ready_ms, state.stack.c_str());
  std::printf("  gateway:     http://%s\n", state.gateway.c_str());
  std::printf("  admin token: %s (mode 0600)\n", dir.token_file().c_str());
  std::printf("  control:     http://%s/admin/cluster\n", state.control.c_str());
  if (!state.prometheus.empty()) std::printf("  prometheus:  %s\n", state.prometheus.c_str());
  std::printf("  logs:        cloudcafe logs --data-dir %s [SERVICE] [-f]\n", dir.root().c_str());
  std::printf("  status:      cloudcafe status --data-dir %s\n", dir.root().c_str());
  std::printf("  stop:        cloudcafe down --data-dir %s\n", dir.root().c_str());
  std::fflush(stdout);
}

// `up --detach`: the supervisor runs as a child in its own session that
// outlives this command; this waits until it says the cluster is ready.
int detach(const UpArgs& args, const DataDir& dir) {
  if (cluster::cluster_running(dir)) {
    auto state = cluster::read_state(dir);
    return fail("a cluster is already running on " + dir.root().string() +
                (state ? " (supervisor pid " + std::to_string(state->supervisor_pid) + ")" : std::string()) +
                "; `cloudcafe down --data-dir " + dir.root().string() + "` stops it");
  }
  if (auto created = dir.create(); !created) return fail(created.error());
  std::vector<std::string> argv{self_binary(), "up",       "--data-dir", dir.root().string(),
                                "--stack",     args.stack, "--supervise"};
  if (args.prometheus) argv.emplace_back("--prometheus");
  if (!args.config_path.empty()) {
    argv.emplace_back("--config");
    argv.push_back(fs::absolute(args.config_path).string());
  }
  const auto out = dir.logs() / "supervisor.out";
  std::error_code ec;
  fs::remove(out, ec);
  const auto began = std::chrono::steady_clock::now();
  auto pid = cluster::spawn({.argv = argv,
                             .env = cluster::environment_without({}),
                             .log_path = out,
                             .cwd = {},
                             .run_as = std::nullopt,
                             .death_signal = 0});
  if (!pid) return fail(pid.error());
  for (;;) {
    int status = 0;
    if (::waitpid(*pid, &status, WNOHANG) == *pid) {
      return fail("the supervisor exited before the cluster was ready:\n" + tail_of(out, 20));
    }
    if (auto state = cluster::read_state(dir); state && state->supervisor_pid == *pid) {
      if (!state->failure.empty()) {
        // It stops everything and exits by itself; wait so nothing is left.
        ::waitpid(*pid, &status, 0);
        return fail("cluster start failed: " + state->failure);
      }
      if (state->ready) {
        print_banner(
            dir, *state,
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count());
        return 0;
      }
    }
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

int cluster_up(const UpArgs& args) {
  const DataDir dir(args.data_dir);
  auto config =
      load_config(args.config_path.empty() ? std::string() : fs::absolute(args.config_path).string());
  if (!config) return fail(config.error());
  if (auto valid = cluster::validate(config->cluster, services()); !valid) return fail(valid.error());
  // A bad file is refused above, before anything detaches or starts.
  if (args.detach && !args.supervise) return detach(args, dir);
  if (auto created = dir.create(); !created) return fail(created.error());
  auto lock = cluster::ClusterLock::acquire(dir);
  if (!lock) return fail(lock.error());
  const int leftovers = cluster::stop_leftover_children(dir);
  auto token = dir.ensure_token();
  if (!token) return fail(token.error());
  if (auto logging = telemetry::init_logging({.service = "supervisor",
                                              .replica = "supervisor",
                                              .min_level = telemetry::Level::kInfo,
                                              .queue_limit = config->log.queue_limit,
                                              .path = (dir.logs() / "supervisor.log").string()});
      !logging) {
    return fail(logging.error());
  }
  if (leftovers > 0) {
    telemetry::log(telemetry::Level::kWarn, "leftovers_stopped",
                   {{"processes", static_cast<std::int64_t>(leftovers)},
                    {"why", "a previous supervisor on this data dir ended without stopping them"}});
  }

  cluster::SupervisorOptions options;
  options.dir = dir;
  options.binary = self_binary();
  options.config_path = args.config_path.empty() ? std::string() : fs::absolute(args.config_path).string();
  options.config = config->cluster;
  options.registry = &services();
  options.admin_token = *token;
  options.stack = args.stack;

  // The real stack's servers are children of this thread (the main thread,
  // which lives until they are stopped), started before any replica.
  std::unique_ptr<cluster::stack::RealStack> real;
  if (args.stack == "real") {
    auto started = cluster::stack::RealStack::start({.dir = dir.stack()});
    if (!started) {
      telemetry::shutdown_logging();
      return fail("real stack: " + started.error().detail);
    }
    real = std::move(*started);
    options.stack_env = [&real](const service::Definition& d) -> Result<std::vector<std::string>> {
      cluster::StackEndpoints endpoints{.postgres_conninfo = {},
                                        .redis_host = real->redis_host(),
                                        .redis_port = real->redis_port(),
                                        .nats_url = real->nats_url()};
      if (d.database) {
        auto conninfo = real->database_for(d.name);
        if (!conninfo) return conninfo.error();
        endpoints.postgres_conninfo = *conninfo;
      }
      return cluster::real_stack_environment(
          d.name, {.database = bool(d.database), .cache = bool(d.cache), .bus = bool(d.bus)}, endpoints);
    };
  }
  const fs::path sd_file = dir.prometheus() / "targets.json";
  if (args.prometheus) {
    std::error_code ec;
    fs::create_directories(dir.prometheus(), ec);
    options.replicas_changed = [sd_file](const std::vector<const cluster::Replica*>& running) {
      std::vector<cluster::prometheus::ScrapeTarget> targets;
      targets.reserve(running.size());
      for (const auto* r : running)
        targets.push_back(
            {.address = r->address(), .service = r->service, .replica = r->name(), .node = r->node});
      (void)cluster::prometheus::write_file_sd(sd_file, targets);
    };
  }
  std::unique_ptr<cluster::prometheus::PrometheusServer> prometheus;

  cluster::Supervisor* supervisor = nullptr;
  const service::Definition definition = cluster::supervisor_definition(options, &supervisor);
  service::HostOptions host;
  host.replica = "supervisor";
  host.data_dir = dir.root().string();
  host.admin_token = *token;
  host.access_log = false;
  host.server.host = "127.0.0.1";
  host.server.port = config->cluster.control_port;
  host.server.threads = 1;
  // Replicas are stopped before the host shuts down; its own shutdown is quick.
  host.shutdown_timeout = 15s;
  service::TerminationSignals signals;
  auto created = service::Host::create(
      definition, service::ServiceSection{.config = definition.default_config(), .limits = {}},
      std::move(host));
  if (!created) {
    telemetry::shutdown_logging();
    return fail(created.error());
  }
  auto& running = *created;
  cluster::ClusterState state{.supervisor_pid = ::getpid(),
                              .control = running->address(),
                              .gateway = {},
                              .stack = args.stack,
                              .prometheus = {},
                              .ready = false,
                              .failure = {}};
  (void)cluster::write_state(dir, state);
  const auto began = std::chrono::steady_clock::now();
  if (auto started = running->start(); !started) {
    running.reset();
    telemetry::shutdown_logging();
    return fail(started.error());
  }
  const auto ready_within = 2 * config->cluster.ready_timeout + 5s;
  const std::string failure = supervisor->wait_first_start(Deadline::after(ready_within));
  auto finish = [&](int code) {
    supervisor->stop_all();
    (void)running->shutdown();
    running.reset();
    if (prometheus) (void)prometheus->stop();
    if (real) {
      if (auto stopped = real->stop(); !stopped) {
        telemetry::log(telemetry::Level::kError, "real_stack_stop_failed",
                       {{"detail", std::string_view(stopped.error().detail)}});
      }
    }
    telemetry::shutdown_logging();
    return code;
  };
  std::string prometheus_failure;
  if (failure.empty() && args.prometheus) {
    const fs::path rules = dir.prometheus() / "rules.yml";
    std::ofstream(rules) << cluster::prometheus::kRecordingRules;
    auto started = cluster::prometheus::PrometheusServer::start(
        {.dir = dir.prometheus() / "server", .file_sd = sd_file, .rules_file = rules});
    if (started) {
      prometheus = std::move(*started);
      state.prometheus = prometheus->url();
    } else {
      prometheus_failure = "prometheus: " + started.error().detail;
    }
  }
  if (!failure.empty() || !prometheus_failure.empty()) {
    const std::string why = failure.empty() ? prometheus_failure : failure;
    state.failure = why;
    (void)cluster::write_state(dir, state);
    std::fprintf(stderr, "cloudcafe: cluster start failed: %s\n", why.c_str());
    return finish(1);
  }
  state.ready = true;
  state.gateway = supervisor->gateway_address();
  (void)cluster::write_state(dir, state);
  print_banner(dir, state,
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count());

  const bool live_view = !args.supervise && ::isatty(STDOUT_FILENO);
  int signal = 0;
  while (signal == 0) {
    signal = live_view ? signals.wait_for(1s) : signals.wait();
    if (signal == 0 && live_view) {
      std::printf("\033[H\033[2J");  // home, clear: one table, redrawn each second
      print_banner(
          dir, state,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count());
      std::printf("\n%s\nCtrl-C stops the cluster.\n", supervisor->status_text().c_str());
      std::fflush(stdout);
    }
  }
  telemetry::log(telemetry::Level::kInfo, "shutdown_began", {{"signal", signal}});
  if (!args.supervise) std::printf("stopping the cluster...\n");
  return finish(0);
}

int cluster_status(const std::string& data_dir, bool json) {
  const DataDir dir(data_dir);
  auto response = cluster::control_call(dir, http::Method::kGet, "/admin/cluster");
  if (!response) return fail(response.error());
  if (response->status != 200) return fail("status: " + cluster::problem_detail(*response));
  if (json) {
    std::printf("%s\n", response->body.c_str());
    return 0;
  }
  auto parsed = json::parse(response->body, {.max_depth = 8, .max_bytes = 8 << 20});
  if (!parsed || !parsed->is_object())
    return fail("status: the supervisor answered something that is not JSON");
  const auto& o = parsed->as_object();
  auto text = [](const boost::json::object& obj, const char* key) -> std::string {
    const auto* v = obj.if_contains(key);
    if (!v) return "-";
    if (v->is_string()) return std::string(v->as_string());
    return boost::json::serialize(*v);
  };
  auto number = [](const boost::json::object& obj, const char* key, double scale,
                   const char* format) -> std::string {
    const auto* v = obj.if_contains(key);
    if (!v || !(v->is_number())) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v->to_number<double>() * scale);
    return buf;
  };
  std::printf("gateway http://%s   stack %s\n", text(o, "gateway").c_str(), text(o, "stack").c_str());
  if (auto state = cluster::read_state(dir); state && !state->prometheus.empty())
    std::printf("prometheus %s\n", state->prometheus.c_str());
  if (const auto* nodes = o.if_contains("nodes"); nodes && nodes->is_array()) {
    std::printf("nodes:");
    for (const auto& n : nodes->as_array()) {
      if (!n.is_object()) continue;
      const bool cordoned = n.as_object().if_contains("cordoned") && n.as_object().at("cordoned").is_bool() &&
                            n.as_object().at("cordoned").as_bool();
      std::printf(" %s%s", text(n.as_object(), "name").c_str(), cordoned ? " (cordoned)" : "");
    }
    std::printf("\n");
  }
  std::printf("%-10s %-12s %-7s %-8s %-6s %-10s %8s %8s %8s %9s %8s\n", "SERVICE", "REPLICA", "NODE", "PID",
              "PORT", "STATE", "RESTARTS", "UPTIME", "REQ/S", "P99(ms)", "PSS(MB)");
  if (const auto* replicas = o.if_contains("replicas"); replicas && replicas->is_array()) {
    for (const auto& rv : replicas->as_array()) {
      if (!rv.is_object()) continue;
      const auto& r = rv.as_object();
      const std::string pid = text(r, "pid") == "0" ? "-" : text(r, "pid");
      std::printf("%-10s %-12s %-7s %-8s %-6s %-10s %8s %8s %8s %9s %8s\n", text(r, "service").c_str(),
                  text(r, "replica").c_str(), text(r, "node").c_str(), pid.c_str(), text(r, "port").c_str(),
                  text(r, "state").c_str(), text(r, "restarts").c_str(),
                  number(r, "uptime_s", 1, "%.0fs").c_str(), number(r, "rps", 1, "%.1f").c_str(),
                  number(r, "p99_ms", 1, "%.1f").c_str(),
                  number(r, "pss_bytes", 1.0 / (1024 * 1024), "%.1f").c_str());
    }
  }
  return 0;
}

int cluster_logs(const std::string& data_dir, const std::string& filter, bool follow, bool json) {
  const DataDir dir(data_dir);
  if (!fs::is_directory(dir.logs())) return fail("no logs under " + dir.logs().string());
  auto files = cluster::log_files(dir.logs(), filter);
  if (files.empty() && !follow) return fail("no log files for '" + filter + "' under " + dir.logs().string());
  auto emit = [json](std::string_view line) {
    const std::string out = json ? std::string(line) : cluster::pretty_log_line(line);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fputc('\n', stdout);
  };
  auto offsets = cluster::merge_logs(files, emit);
  std::fflush(stdout);
  if (!follow) return 0;
  service::TerminationSignals signals;
  while (signals.wait_for(200ms) == 0) {
    cluster::read_appended(cluster::log_files(dir.logs(), filter), offsets, emit);
    std::fflush(stdout);
  }
  return 0;
}

int cluster_down(const std::string& data_dir) {
  const DataDir dir(data_dir);
  if (!cluster::cluster_running(dir)) {
    const int leftovers = cluster::stop_leftover_children(dir);
    std::printf(
        "no cluster is running on %s%s\n", dir.root().c_str(),
        leftovers > 0 ? (" (stopped " + std::to_string(leftovers) + " leftover processes)").c_str() : "");
    return 0;
  }
  auto state = cluster::read_state(dir);
  const pid_t supervisor = state ? state->supervisor_pid : 0;
  const auto began = std::chrono::steady_clock::now();
  auto asked = cluster::control_call(dir, http::Method::kPost, "/admin/cluster/down");
  if (!asked && supervisor > 0)
    ::kill(supervisor, SIGTERM);  // the control API did not answer: the signal does the same
  // Graceful: replicas drain and stop within their stop timeout (15 s by
  // default, each tier in turn); past a minute the supervisor is killed, and
  // its children die with it.
  const auto deadline = began + 60s;
  while (cluster::cluster_running(dir) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  const bool graceful = !cluster::cluster_running(dir);
  if (!graceful && supervisor > 0) {
    ::kill(supervisor, SIGKILL);
    while (cluster::cluster_running(dir)) std::this_thread::sleep_for(20ms);
  }
  const int leftovers = cluster::stop_leftover_children(dir);
  std::printf("cluster on %s stopped (%s) in %.1f s\n", dir.root().c_str(),
              graceful ? "graceful" : "forced after 60 s",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  if (leftovers > 0) std::printf("stopped %d leftover processes\n", leftovers);
  return graceful ? 0 : 1;
}

namespace {

int call_and_report(const std::string& data_dir, const std::string& path, const std::string& body,
                    const std::string& done) {
  auto response = cluster::control_call(DataDir(data_dir), http::Method::kPost, path, body);
  if (!response) return fail(response.error());
  if (response->status >= 300) {
    std::fprintf(stderr, "cloudcafe: %s\n", cluster::problem_detail(*response).c_str());
    return response->status == 400 || response->status == 404 ? 2 : 1;
  }
  std::printf("%s\n", done.c_str());
  return 0;
}

}  // namespace

int cluster_replica_action(const std::string& data_dir, const std::string& replica, const std::string& action,
                           const std::string& signal) {
  std::string name = replica;
  if (name.find('/') == std::string::npos) {
    if (auto dash = name.rfind('-'); dash != std::string::npos) name[dash] = '/';
  }
  const auto slash = name.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == name.size())
    return fail("a replica is SERVICE/INDEX (e.g. menu/1), got '" + replica + "'");
  std::string body;
  if (action == "kill" && !signal.empty())
    body = boost::json::serialize(boost::json::object{{"signal", signal}});
  return call_and_report(data_dir, "/admin/cluster/replicas/" + name + "/" + action, body,
                         name + ": " + action + (signal.empty() ? "" : " (" + signal + ")") + " sent");
}

int cluster_scale(const std::string& data_dir, const std::string& service, int replicas) {
  return call_and_report(data_dir, "/admin/cluster/services/" + service + "/scale",
                         boost::json::serialize(boost::json::object{{"replicas", replicas}}),
                         service + ": scaling to " + std::to_string(replicas) + " replicas");
}

int cluster_node_action(const std::string& data_dir, const std::string& node, const std::string& action) {
  return call_and_report(data_dir, "/admin/cluster/nodes/" + node + "/" + action, {},
                         node + ": " + action + " started");
}

}  // namespace cafe::app
