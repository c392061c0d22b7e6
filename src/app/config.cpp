#include "app/config.h"

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

void read_sql(config::MapReader& r, SqlConfig& c) {
  r.one_of("backend", c.backend, {"sqlite", "postgres"});
  r.section("sqlite", [&](config::MapReader& s) {
    s.field("path", c.sqlite_path).field("reader_threads", c.sqlite_reader_threads, 1, 16);
  });
  r.section("postgres", [&](config::MapReader& p) {
    p.field("conninfo", c.postgres_conninfo)
        .field("pool_size", c.postgres_pool_size, 1, 64)
        .field("connect_timeout", c.postgres_connect_timeout, 100 * kMs, milliseconds(60'000))
        .field("statement_timeout", c.postgres_statement_timeout, 10 * kMs, milliseconds(600'000));
  });
}

void read_cache(config::MapReader& r, CacheConfig& c) {
  r.one_of("backend", c.backend, {"memory", "redis"});
  r.section("memory", [&](config::MapReader& m) {
    m.field("max_entries", c.memory_max_entries, 1, 10'000'000)
        .field("max_bytes", c.memory_max_bytes, 1024, std::size_t{16} << 30);
  });
  r.section("redis", [&](config::MapReader& m) {
    m.field("host", c.redis_host)
        .field("port", c.redis_port, 1, 65535)
        .field("connect_timeout", c.redis_connect_timeout, 10 * kMs, milliseconds(60'000))
        .field("command_timeout", c.redis_command_timeout, kMs, milliseconds(60'000))
        .field("key_prefix", c.redis_key_prefix);
  });
}

void read_gateway(config::MapReader& r, GatewayConfig& c) {
  r.list("routes", [&](config::MapReader& route) {
    GatewayRoute entry;
    route.required("path").required("group").field("path", entry.path).field("group", entry.group);
    c.routes.push_back(std::move(entry));
  });
  r.each("targets", [&](std::string_view group, config::MapReader& g) {
    std::vector<std::string> addresses;
    g.required("addresses").field("addresses", addresses);
    c.targets.emplace_back(std::string(group), std::move(addresses));
  });
  r.section("health_check", [&](config::MapReader& h) {
    h.field("path", c.health_path)
        .field("interval", c.health_interval, 10 * kMs, milliseconds(600'000))
        .field("timeout", c.health_timeout, kMs, milliseconds(60'000))
        .field("rise", c.health_rise, 1, 100)
        .field("fall", c.health_fall, 1, 100);
  });
  r.section("rate_limit", [&](config::MapReader& l) {
    l.field("enabled", c.rate_limit_enabled)
        .field("per_second", c.rate_limit_per_second, 0.001, 1e9)
        .field("burst", c.rate_limit_burst, 1, 1e9)
        .field("max_clients", c.rate_limit_max_clients, 1, 10'000'000);
  });
  r.field("panic_threshold", c.panic_threshold, 0.0, 1.0);
  r.section("outlier_detection", [&](config::MapReader& o) {
    o.field("enabled", c.outlier_enabled)
        .field("consecutive_failures", c.outlier_consecutive_failures, 1, 1000)
        .field("base_ejection", c.outlier_base_ejection, 10 * kMs, milliseconds(600'000))
        .field("max_ejection", c.outlier_max_ejection, 10 * kMs, hours(1))
        .field("count_5xx", c.outlier_count_5xx);
  });
  r.section("upstream", [&](config::MapReader& u) {
    u.field("connect_timeout", c.upstream_connect_timeout, kMs, milliseconds(60'000))
        .field("deadline", c.upstream_deadline, kMs, milliseconds(600'000))
        .field("max_connections", c.upstream_max_connections, 1, 100'000)
        .field("max_attempts", c.upstream_max_attempts, 1, 5)
        .field("per_try_share", c.upstream_per_try_share, 0.05, 1.0)
        .field("max_body_bytes", c.max_body_bytes, 1024, std::size_t{64} << 20);
  });
}

}  // namespace

std::vector<GatewayRoute> default_gateway_routes() {
  return {
      {"/api/menu/**", "menu"},           {"/api/stores", "menu"},
      {"/api/stores/**", "menu"},         {"/api/stores/{store_id}/queue", "order"},
      {"/api/orders/**", "order"},        {"/api/inventory/**", "inventory"},
      {"/api/payments/**", "payment"},    {"/api/loyalty/**", "loyalty"},
      {"/api/analytics/**", "analytics"},
  };
}

Result<AppConfig> parse_config(std::string_view yaml, std::string source_name,
                               std::span<const std::string> environment) {
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
  r.section("menu", [&](config::MapReader& s) {
    s.section("store", [&](config::MapReader& t) { read_sql(t, c.menu.store); });
    s.section("cache", [&](config::MapReader& t) {
      read_cache(t, c.menu.cache);
      t.field("ttl", c.menu.cache_ttl, 1000 * kMs, hours(24));
    });
    s.field("refresh_interval", c.menu.refresh_interval, 10 * kMs, milliseconds(600'000));
  });
  r.section("gateway", [&](config::MapReader& s) { read_gateway(s, c.gateway); });
  if (auto done = r.finish(); !done) return done.error();
  if (c.gateway.routes.empty()) c.gateway.routes = default_gateway_routes();
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
