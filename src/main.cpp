// cloudcafe: one binary for every service and, later, the lab's tools.
#include "app/cluster_commands.h"
#include "app/serve.h"
#include "app/services.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#ifndef CLOUDCAFE_VERSION
#define CLOUDCAFE_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  // A closed stderr or log pipe must not kill a service mid-drain: writes
  // then fail with EPIPE, which the log sink counts as dropped lines.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"CloudCafe: a coffee-ordering platform and resilience lab"};
  cli.require_subcommand(1);

  const auto& registry = cafe::app::services();
  std::string services_help = "Run one service until SIGINT or SIGTERM. Services:";
  for (const auto& d : registry.definitions()) services_help += "\n  " + d.name + ": " + d.description;
  cafe::app::ServeArgs serve;
  auto* serve_cmd = cli.add_subcommand("serve", services_help);
  serve_cmd->add_option("service", serve.service, "One of: " + registry.joined_names())
      ->required()
      ->check(CLI::IsMember(registry.names()));
  serve_cmd->add_option("--config", serve.config_path,
                        "YAML config file (CLOUDCAFE_* variables override it)");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0: the OS picks)");
  serve_cmd->add_option("--data-dir", serve.data_dir, "Directory for embedded databases")
      ->capture_default_str();
  serve_cmd->add_option("--threads", serve.threads, "I/O threads (default: http.threads, 1)")
      ->check(CLI::Range(1, 64));
  serve_cmd->add_option("--ready-file", serve.ready_file, "Written with HOST:PORT once listening");
  serve_cmd->add_option("--replica", serve.replica, "Replica name for logs and metrics");

  // The local cluster. Every verb takes --data-dir (default ./var).
  std::string data_dir = "var";
  auto with_data_dir = [&data_dir](CLI::App* cmd) {
    cmd->add_option("--data-dir", data_dir, "The cluster's directory")->capture_default_str();
    return cmd;
  };
  cafe::app::UpArgs up;
  auto* up_cmd =
      with_data_dir(cli.add_subcommand("up", "Run every service as a local cluster of real processes"));
  up_cmd->add_option("--config", up.config_path,
                     "YAML config file (its cluster: section and every service's)");
  up_cmd
      ->add_option("--stack", up.stack,
                   "Backends: embedded (SQLite, memory, the bus process) or real (PostgreSQL primary and "
                   "standby, Redis, NATS JetStream, started under the data dir)")
      ->check(CLI::IsMember({"embedded", "real"}))
      ->capture_default_str();
  up_cmd->add_flag("--detach,-d", up.detach, "Return once every replica is ready; the cluster keeps running");
  up_cmd->add_flag("--prometheus", up.prometheus, "Also run Prometheus scraping every replica (RED rules loaded)");
  up_cmd->add_flag("--supervise", up.supervise, "(internal) the detached supervisor")->group("");

  bool json = false;
  auto* status_cmd = with_data_dir(
      cli.add_subcommand("status", "Every replica: node, pid, port, state, restarts, req/s, p99"));
  status_cmd->add_flag("--json", json, "The control API's JSON");

  std::string logs_filter;
  bool follow = false;
  auto* logs_cmd =
      with_data_dir(cli.add_subcommand("logs", "Every replica's log lines, merged in time order"));
  logs_cmd->add_option("service", logs_filter, "A service (menu) or a replica (menu/1); default: all");
  logs_cmd->add_flag("--follow,-f", follow, "Keep printing new lines");
  logs_cmd->add_flag("--json", json, "The raw JSON lines");

  auto* down_cmd =
      with_data_dir(cli.add_subcommand("down", "Stop the cluster: drained, then forced after a deadline"));

  std::string replica;
  std::string signal = "KILL";
  auto* kill_cmd = with_data_dir(cli.add_subcommand("kill", "Send a signal to a replica (default KILL)"));
  kill_cmd->add_option("replica", replica, "SERVICE/INDEX, e.g. menu/1")->required();
  kill_cmd->add_option("--signal,-s", signal, "Signal name or number")->capture_default_str();
  std::vector<std::pair<std::string, CLI::App*>> replica_verbs;
  for (const auto& [verb, what] : std::initializer_list<std::pair<const char*, const char*>>{
           {"terminate", "Drain a replica, stop it gracefully; it is replaced"},
           {"pause", "Freeze a replica (SIGSTOP): it looks hung"},
           {"resume", "Unfreeze a paused replica (SIGCONT)"},
           {"restart", "Drain, stop and start a replica again"}}) {
    auto* cmd = with_data_dir(cli.add_subcommand(verb, what));
    cmd->add_option("replica", replica, "SERVICE/INDEX, e.g. menu/1")->required();
    replica_verbs.emplace_back(verb, cmd);
  }
  std::string scale_service;
  int scale_to = 0;
  auto* scale_cmd = with_data_dir(cli.add_subcommand("scale", "Set a service's replica count"));
  scale_cmd->add_option("service", scale_service, "A service")->required();
  scale_cmd->add_option("replicas", scale_to, "Replicas (0-16)")->required()->check(CLI::Range(0, 16));
  std::string node;
  auto* drain_cmd =
      with_data_dir(cli.add_subcommand("drain", "Move every replica off a node, then cordon it"));
  drain_cmd->add_option("node", node, "A node, e.g. node-a")->required();
  auto* uncordon_cmd =
      with_data_dir(cli.add_subcommand("uncordon", "Let a drained node take replicas again"));
  uncordon_cmd->add_option("node", node, "A node")->required();

  cli.add_subcommand("version", "Print the version")->callback([] { std::puts(CLOUDCAFE_VERSION); });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (serve_cmd->parsed()) return cafe::app::serve(serve);
  if (up_cmd->parsed()) {
    up.data_dir = data_dir;
    return cafe::app::cluster_up(up);
  }
  if (status_cmd->parsed()) return cafe::app::cluster_status(data_dir, json);
  if (logs_cmd->parsed()) return cafe::app::cluster_logs(data_dir, logs_filter, follow, json);
  if (down_cmd->parsed()) return cafe::app::cluster_down(data_dir);
  if (kill_cmd->parsed()) return cafe::app::cluster_replica_action(data_dir, replica, "kill", signal);
  for (const auto& [verb, cmd] : replica_verbs) {
    if (cmd->parsed()) return cafe::app::cluster_replica_action(data_dir, replica, verb);
  }
  if (scale_cmd->parsed()) return cafe::app::cluster_scale(data_dir, scale_service, scale_to);
  if (drain_cmd->parsed()) return cafe::app::cluster_node_action(data_dir, node, "drain");
  if (uncordon_cmd->parsed()) return cafe::app::cluster_node_action(data_dir, node, "uncordon");
  return 0;
}
