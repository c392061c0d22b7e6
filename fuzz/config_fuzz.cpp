// Feeds arbitrary bytes to the config loader: parse_yaml, an environment
// override built from the first line, and a small schema read with
// MapReader. Must never crash, leak, or fail without saying where.
#include "platform/config/document.h"
#include "platform/config/env_overrides.h"
#include "platform/config/map_reader.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
using cafe::config::MapReader;

void check_error(const cafe::Error& error) {
  // Every config failure is the user's input: invalid, with a field list.
  if (error.code != cafe::ErrorCode::kInvalidArgument || error.fields.empty() || error.detail.empty())
    std::abort();
}

void read_schema(const cafe::config::Document& document) {
  MapReader reader(document);
  std::string name;
  bool enabled = false;
  std::int64_t big = 0;
  int port = 0;
  std::size_t limit = 0;
  double ratio = 0;
  std::chrono::milliseconds timeout{};
  std::vector<std::string> hosts;
  std::string mode;
  reader.required("name")
      .field("name", name)
      .field("enabled", enabled)
      .field("big", big, -1000, 1000)
      .field("limit", limit, 1, 100)
      .field("ratio", ratio, 0.0, 1.0)
      .field("hosts", hosts)
      .one_of("mode", mode, {"fast", "safe"})
      .section("server",
               [&](MapReader& server) {
                 server.field("port", port, 1, 65535).field("timeout", timeout, 1ms, 1min);
               })
      .each("routes",
            [&](std::string_view, MapReader& route) { route.required("target").field("target", name); })
      .list("upstreams",
            [&](MapReader& upstream) { upstream.field("url", name).field("weight", port, 1, 10); });
  if (cafe::Result<void> done = reader.finish(); !done) check_error(done.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cafe::Result<cafe::config::Document> document = cafe::config::parse_yaml(text, "fuzz.yaml");
  if (!document) {
    check_error(document.error());
    return 0;
  }
  // The first line doubles as one environment override, so names and values
  // get explored too.
  const std::string_view first_line = text.substr(0, text.find('\n'));
  const std::vector<std::string> environment = {"CLOUDCAFE_" + std::string(first_line),
                                                "CLOUDCAFE_SERVER__PORT=8080"};
  if (cafe::Result<void> applied = cafe::config::apply_env_overrides(*document, environment, {}); !applied) {
    check_error(applied.error());
  }
  read_schema(*document);
  return 0;
}
