// cloudcafe: one binary for every service and, later, the lab's tools.
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

  cli.add_subcommand("version", "Print the version")->callback([] { std::puts(CLOUDCAFE_VERSION); });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (serve_cmd->parsed()) return cafe::app::serve(serve);
  return 0;
}
