#include "app/serve.h"

#include "app/running_service.h"
#include "platform/service/termination_signals.h"
#include "platform/telemetry/log.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace cafe::app {

Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error::invalid("--listen must be HOST:PORT, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const std::string_view digits(text.data() + colon + 1, text.size() - colon - 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || port > 65535) {
    return Error::invalid("--listen port must be 0-65535, got '" + std::string(digits) + "'");
  }
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

Result<void> write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return Error::unavailable("cannot write " + temp);
    out << content;
    if (!out.flush()) return Error::unavailable("cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return Error::unavailable("cannot rename " + temp + " to " + path + ": " + ec.message());
  return {};
}

namespace {

telemetry::Level level_from(const std::string& name) {
  if (name == "debug") return telemetry::Level::kDebug;
  if (name == "warn") return telemetry::Level::kWarn;
  if (name == "error") return telemetry::Level::kError;
  return telemetry::Level::kInfo;
}

int fail(const std::string& what, const Error& error) {
  std::fprintf(stderr, "cloudcafe: %s: %s\n", what.c_str(), error.detail.c_str());
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kNotFound ? 2 : 1;
}

}  // namespace

int serve(const ServeArgs& args) {
  auto config = load_config(args.config_path);
  if (!config) return fail("config", config.error());
  if (args.threads > 0) config->http.threads = args.threads;

  RunOptions options;
  options.service = args.service;
  options.replica = args.replica.empty() ? args.service + "-" + std::to_string(::getpid()) : args.replica;
  options.data_dir = args.data_dir;
  if (!args.listen.empty()) {
    auto listen = parse_listen(args.listen);
    if (!listen) return fail("listen", listen.error());
    options.host = listen->first;
    options.port = listen->second;
  }
  auto token = load_admin_token(config->admin);
  if (!token) return fail("admin token", token.error());
  options.admin_token = *token;

  if (auto logging = telemetry::init_logging({.service = options.service,
                                              .replica = options.replica,
                                              .min_level = level_from(config->log.level),
                                              .queue_limit = config->log.queue_limit,
                                              .path = config->log.path});
      !logging) {
    return fail("log", logging.error());
  }

  auto running = RunningService::create(*config, options);
  if (!running) {
    telemetry::shutdown_logging();
    return fail("serve " + args.service, running.error());
  }
  service::TerminationSignals signals;  // caught from here on, before serving begins
  if (auto started = (*running)->start(); !started) {
    running->reset();
    telemetry::shutdown_logging();
    return fail("serve " + args.service, started.error());
  }
  if (!args.ready_file.empty()) {
    if (auto written = write_file_atomically(args.ready_file, (*running)->address() + "\n"); !written) {
      running->reset();
      telemetry::shutdown_logging();
      return fail("ready file", written.error());
    }
  }
  telemetry::log(telemetry::Level::kInfo, "listening",
                 {{"address", std::string_view((*running)->address())},
                  {"admin", token->has_value()},
                  {"threads", static_cast<std::int64_t>(config->http.threads)}});
  const int signal = signals.wait();
  telemetry::log(telemetry::Level::kInfo, "shutdown_began", {{"signal", signal}});
  if (auto stopped = (*running)->stop(); !stopped) {
    // The host logged the phase and the tasks still running. Threads are
    // stuck in that phase, so nothing may be destroyed: flush the log and
    // leave at once.
    telemetry::shutdown_logging();
    std::fprintf(stderr, "cloudcafe: %s\n", stopped.error().detail.c_str());
    std::fflush(stderr);
    std::_Exit(kExitShutdownTimedOut);
  }
  telemetry::log(telemetry::Level::kInfo, "stopped", {});
  running->reset();
  telemetry::shutdown_logging();
  return 0;
}

}  // namespace cafe::app
