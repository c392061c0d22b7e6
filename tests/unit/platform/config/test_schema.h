// A small config schema shaped like CloudCafe's, shared by the reader and
// environment override tests.
#pragma once

#include "platform/config/document.h"
#include "platform/config/map_reader.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cafe::config::testing {

using namespace std::chrono_literals;

enum class Consistency { kEventual, kStrong };

struct CacheConfig {
  std::string backend = "memory";
  std::int64_t ttl_ms = 1000;
  std::chrono::milliseconds refresh = 30s;
  std::size_t max_entries = 10000;
};

struct MenuConfig {
  CacheConfig cache;
  int page_size = 50;
  double sample_rate = 1.0;
  bool etags = true;
  Consistency consistency = Consistency::kEventual;
  std::vector<std::string> stores;
};

struct Route {
  std::string target;
  std::chrono::milliseconds timeout = 2s;
};

struct Upstream {
  std::string url;
  int weight = 1;
};

struct Config {
  MenuConfig menu;
  std::map<std::string, Route> routes;
  std::vector<Upstream> upstreams;
};

inline Result<Config> read_config(const Document& document) {
  Config config;
  MapReader reader(document);
  reader.section("menu", [&](MapReader& menu) {
    MenuConfig& m = config.menu;
    menu.section("cache",
                 [&](MapReader& cache) {
                   cache.one_of("backend", m.cache.backend, {"memory", "redis"})
                       .field("ttl_ms", m.cache.ttl_ms, 1, 3'600'000)
                       .field("refresh", m.cache.refresh, 1ms, 1min)
                       .field("max_entries", m.cache.max_entries, 1, 1'000'000);
                 })
        .field("page_size", m.page_size, 1, 500)
        .field("sample_rate", m.sample_rate, 0.0, 1.0)
        .field("etags", m.etags)
        .one_of("consistency", m.consistency,
                {{"eventual", Consistency::kEventual}, {"strong", Consistency::kStrong}})
        .field("stores", m.stores);
  });
  reader.section("gateway", [&](MapReader& gateway) {
    gateway
        .each("routes",
              [&](std::string_view name, MapReader& route) {
                Route& r = config.routes[std::string(name)];
                route.required("target").field("target", r.target).field("timeout", r.timeout, 1ms, 1min);
              })
        .list("upstreams", [&](MapReader& upstream) {
          Upstream& u = config.upstreams.emplace_back();
          upstream.required("url").field("url", u.url).field("weight", u.weight, 1, 100);
        });
  });
  if (Result<void> done = reader.finish(); !done) return done.error();
  return config;
}

inline Result<Config> load(std::string_view text) {
  Result<Document> document = parse_yaml(text, "cloudcafe.yaml");
  if (!document) return document.error();
  return read_config(*document);
}

}  // namespace cafe::config::testing
