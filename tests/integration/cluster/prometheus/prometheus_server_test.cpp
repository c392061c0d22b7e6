#include "cluster/prometheus/prometheus_server.h"

#include "cluster/process.h"
#include "cluster/prometheus/file_sd.h"
#include "cluster/stack/loopback.h"
#include "support/http_test_client.h"
#include "support/local_server.h"
#include "support/serve_process.h"
#include "support/service_harness.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <unistd.h>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace prom = cluster::prometheus;

std::filesystem::path rules_file() {
  return std::filesystem::path(CAFE_PROMETHEUS_RULES_DIR) / "rules.yml";
}

// The series of an instant query: each one's labels, and its value.
struct Sample {
  boost::json::object labels;
  std::string value;
};
std::vector<Sample> instant_query(std::uint16_t port, const std::string& encoded_query) {
  auto answer =
      cluster::stack::loopback_http_get(port, "/api/v1/query?query=" + encoded_query, Deadline::after(2s));
  std::vector<Sample> samples;
  if (!answer || answer->status != 200) return samples;
  boost::system::error_code ec;
  auto doc = boost::json::parse(answer->body, ec);
  if (ec || !doc.is_object()) return samples;
  const auto* result = doc.as_object().if_contains("data");
  if (!result || !result->is_object() || !result->as_object().if_contains("result")) return samples;
  for (const auto& series : result->as_object().at("result").as_array()) {
    samples.push_back(
        {series.at("metric").as_object(), std::string(series.at("value").as_array().at(1).as_string())});
  }
  return samples;
}

std::string label(const Sample& s, const char* name) {
  const auto* v = s.labels.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

TEST(PrometheusServer, ScrapesTheReplicasListedInTheFileSdWithTheirLabels) {
  if (::access("/usr/bin/prometheus", X_OK) != 0) {
    fail_or_skip("prometheus", "/usr/bin/prometheus not found");
    return;
  }
  TempDir dir;
  ServeProcess menu(dir.path(), "menu", "log: {access_log: false}\n", {"--listen", "127.0.0.1:0"});
  ASSERT_TRUE(menu.wait_ready(20s)) << menu.log();
  ASSERT_EQ(get(port_of(menu.address()), "/menu/items").status, 200);

  const auto sd = dir.path() / "targets.json";
  ASSERT_TRUE(prom::write_file_sd(
      sd, {{.address = menu.address(), .service = "menu", .replica = "menu-1", .node = "node-a"}}));
  const auto began = Clock::now();
  auto server = prom::PrometheusServer::start(
      {.dir = dir.path() / "prometheus", .file_sd = sd, .rules_file = rules_file(), .interval = 1s});
  ASSERT_TRUE(server) << server.error().detail;
  const auto ready_after = Clock::now() - began;
  const pid_t pid = (*server)->pid();

  // up{service="menu"} = 1 with the target's labels, and the scraped
  // `service` kept as it is (honor_labels), not renamed exported_service.
  std::vector<Sample> up;
  std::vector<Sample> requests;
  for (const auto until = Clock::now() + 20s; Clock::now() < until;) {
    up = instant_query((*server)->port(), "up%7Bservice%3D%22menu%22%7D");
    requests =
        instant_query((*server)->port(), "cloudcafe_http_requests_total%7Broute%3D%22%2Fmenu%2Fitems%22%7D");
    if (!up.empty() && up[0].value == "1" && !requests.empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  const auto scraped_after = Clock::now() - began;
  ASSERT_EQ(up.size(), 1u) << read_file((*server)->log_path());
  EXPECT_EQ(up[0].value, "1");
  EXPECT_EQ(label(up[0], "replica"), "menu-1");
  EXPECT_EQ(label(up[0], "node"), "node-a");
  EXPECT_EQ(label(up[0], "instance"), menu.address());
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(label(requests[0], "service"), "menu");
  EXPECT_EQ(label(requests[0], "replica"), "menu-1");
  EXPECT_FALSE(requests[0].labels.contains("exported_service"));

  ASSERT_TRUE((*server)->stop());
  EXPECT_FALSE(cluster::process_alive(pid));
  std::cout << "prometheus ready after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(ready_after).count()
            << " ms, first scrape seen after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(scraped_after).count() << " ms\n";
}

}  // namespace
}  // namespace cafe::test
