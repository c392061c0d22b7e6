#include "app/config.h"

#include "app/services.h"
#include "platform/config/document.h"
#include "platform/config/env_overrides.h"
#include "platform/config/map_reader.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace cafe::app {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
constexpr milliseconds kMs{1};

void read_http(config::MapReader& r, HttpConfig& c) {
  r.field("threads", c.threads, 1, 64)
      .field("header_limit", c.header_limit, 1024, std::size_t{64} * 1024)
      .field("max_connections", c.max_connections, 1, 1'000'000)
      .field("read_timeout", c.read_timeout, 10 * kMs, hours(1))
      .field("idle_timeout", c.idle_timeout, 10 * kMs, hours(1))
      .field("write_timeout", c.write_timeout, 10 * kMs, hours(1))
      .field("drain_timeout", c.drain_timeout, kMs, hours(1));
}

}  // namespace

Result<AppConfig> parse_config(std::string_view yaml, std::string source_name,
                               std::span<const std::string> environment) {
  const std::string source = source_name;
  auto document = config::parse_yaml(yaml, std::move(source_name));
  if (!document) return document.error();
  config::EnvOverrideOptions env_options;
  env_options.ignore = {"CLOUDCAFE_ADMIN_TOKEN", "CLOUDCAFE_ADMIN_TOKEN_FILE"};
  if (auto applied = config::apply_env_overrides(*document, environment, env_options); !applied) {
    return applied.error();
  }
  AppConfig c;
  config::MapReader r(*document);
  r.section("http", [&](config::MapReader& s) { read_http(s, c.http); });
  r.section("log", [&](config::MapReader& s) {
    s.one_of("level", c.log.level, {"debug", "info", "warn", "error"})
        .field("access_log", c.log.access_log)
        .field("path", c.log.path)
        .field("queue_limit", c.log.queue_limit, 16, 1'000'000);
  });
  r.section("admin", [&](config::MapReader& s) { s.field("token_file", c.admin.token_file); });
  r.section("shutdown",
            [&](config::MapReader& s) { s.field("timeout", c.shutdown.timeout, 100 * kMs, hours(1)); });
  r.section("stress", [&](config::MapReader& s) { s.field("max_threads", c.stress.max_threads, 0, 1024); });
  r.each("peers", [&](std::string_view peer, config::MapReader& p) {
    std::vector<std::string> addresses;
    p.required("addresses").field("addresses", addresses);
    c.peers.emplace_back(std::string(peer), std::move(addresses));
  });
  r.section("cluster", [&](config::MapReader& s) { cluster::read_cluster_config(s, c.cluster, services()); });
  c.services = service::read_sections(services(), r);
  if (auto done = r.finish(); !done) return done.error();
  if (c.shutdown.timeout <= c.http.drain_timeout) {
    return Error::invalid(source + ": shutdown.timeout (" + std::to_string(c.shutdown.timeout.count()) +
                              " ms) must be longer than http.drain_timeout (" +
                              std::to_string(c.http.drain_timeout.count()) +
                              " ms): the drain is one of its phases",
                          {{"shutdown.timeout", "must be longer than http.drain_timeout"}});
  }
  return c;
}

Result<AppConfig> load_config(const std::string& path) {
  const auto environment = config::process_environment();
  if (path.empty()) return parse_config("", "(defaults)", environment);
  auto document_text = [&]() -> Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::not_found("cannot read config file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  if (!document_text) return document_text.error();
  return parse_config(*document_text, path, environment);
}

Result<std::optional<std::string>> load_admin_token(const AdminConfig& admin) {
  constexpr std::size_t kMinTokenLength = 16;
  if (const char* from_env = std::getenv("CLOUDCAFE_ADMIN_TOKEN"); from_env && *from_env) {
    std::string token = from_env;
    while (!token.empty() && (token.back() == '\r' || token.back() == '\n' || token.back() == ' '))
      token.pop_back();
    if (token.size() < kMinTokenLength) {
      return Error::invalid("CLOUDCAFE_ADMIN_TOKEN is shorter than 16 characters");
    }
    return std::optional<std::string>(std::move(token));
  }
  std::string file = admin.token_file;
  if (const char* from_env = std::getenv("CLOUDCAFE_ADMIN_TOKEN_FILE"); from_env && *from_env)
    file = from_env;
  if (file.empty()) return std::optional<std::string>{};
  struct stat st{};
  if (::stat(file.c_str(), &st) != 0) return Error::not_found("cannot read admin token file " + file);
  if ((st.st_mode & 077) != 0) {
    return Error::invalid("admin token file " + file +
                          " must not be readable by group or others (chmod 600)");
  }
  std::ifstream in(file);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < kMinTokenLength)
    return Error::invalid("admin token in " + file + " is shorter than 16 characters");
  return std::optional<std::string>(std::move(token));
}

}  // namespace cafe::app
