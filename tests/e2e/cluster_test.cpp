// `cloudcafe up/status/logs/down` and the supervisor's verbs, driven as a
// user drives them: the built binary on a temp data dir, real processes,
// real signals, requests through the gateway with curl and a raw client.
#include "cluster/process.h"
#include "cluster/stack/pid_records.h"
#include "platform/json/body.h"
#include "support/cli_run.h"
#include "support/http_test_client.h"
#include "support/local_server.h"
#include "support/serve_process.h"
#include "support/service_harness.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <thread>

namespace cafe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Quiet replicas; restarts quick enough for a test.
constexpr const char* kConfig = R"(log: {access_log: false}
cluster:
  restart: {initial_backoff: 50ms, max_backoff: 1s}
  stop_timeout: 10s
)";

struct ReplicaInfo {
  std::string name;
  std::string node;
  std::string state;
  std::string address;
  int pid = 0;
};

class Cluster {
 public:
  explicit Cluster(const std::string& config = kConfig)
      : data_(dir_.path() / "var"), config_(dir_.path() / "cafe.yaml") {
    std::ofstream(config_) << config;
  }
  ~Cluster() {
    if (up_) (void)run_cli({"down", "--data-dir", data_.string()}, 90s);
  }

  CliResult up(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"up",           "--detach", "--data-dir",
                                  data_.string(), "--config", config_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = run_cli(args, 90s);
    up_ = up_ || result.status == 0;
    return result;
  }
  CliResult cli(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back(data_.string());
    return run_cli(args, 90s);
  }
  CliResult down() {
    up_ = false;
    return cli({"down"});
  }

  boost::json::object status() {
    auto result = cli({"status", "--json"});
    EXPECT_EQ(result.status, 0) << result.err;
    auto parsed = json::parse(result.out, {.max_depth = 16, .max_bytes = 1 << 20});
    if (!parsed || !parsed->is_object()) {
      ADD_FAILURE() << "status --json: " << result.out;
      return {};
    }
    return parsed->as_object();
  }
  std::vector<ReplicaInfo> replicas() {
    std::vector<ReplicaInfo> out;
    auto s = status();
    const auto* list = s.if_contains("replicas");
    if (!list || !list->is_array()) return out;
    for (const auto& v : list->as_array()) {
      const auto& o = v.as_object();
      out.push_back({.name = std::string(o.at("replica").as_string()),
                     .node = std::string(o.at("node").as_string()),
                     .state = std::string(o.at("state").as_string()),
                     .address = std::string(o.at("address").as_string()),
                     .pid = static_cast<int>(o.at("pid").to_number<std::int64_t>())});
    }
    return out;
  }
  std::optional<ReplicaInfo> replica(const std::string& name) {
    for (auto& r : replicas())
      if (r.name == name) return r;
    return std::nullopt;
  }
  std::vector<ReplicaInfo> ready(const std::string& service) {
    std::vector<ReplicaInfo> out;
    for (auto& r : replicas())
      if (r.name.starts_with(service + "/") && r.state == "ready") out.push_back(r);
    return out;
  }
  std::string gateway() { return std::string(status().at("gateway").as_string()); }
  std::uint16_t gateway_port() { return port_of(gateway()); }
  std::string token() {
    std::ifstream in(data_ / "admin.token");
    std::string t;
    std::getline(in, t);
    return t;
  }
  // The gateway's targets in `group` that are in rotation.
  std::set<std::string> routed(const std::string& group) {
    std::set<std::string> out;
    auto r = get(gateway_port(), "/admin/targets", {{"Authorization", "Bearer " + token()}});
    auto parsed = json::parse(r.body, {.max_depth = 16, .max_bytes = 1 << 20});
    if (!parsed || !parsed->is_object()) return out;
    for (const auto& g : parsed->as_object().at("groups").as_array()) {
      if (g.as_object().at("group").as_string() != group) continue;
      for (const auto& t : g.as_object().at("targets").as_array())
        if (t.as_object().at("in_rotation").as_bool())
          out.insert(std::string(t.as_object().at("address").as_string()));
    }
    return out;
  }

  const std::filesystem::path& data() const { return data_; }
  const std::filesystem::path& config() const { return config_; }

 private:
  TempDir dir_;
  std::filesystem::path data_;
  std::filesystem::path config_;
  bool up_ = false;
};

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// GETs through the gateway, back to back, until stopped: what a customer
// browsing the menu sees while the cluster changes under them.
class SteadyTraffic {
 public:
  explicit SteadyTraffic(std::uint16_t port)
      : thread_([this, port] {
          while (!stop_) {
            auto r = get(port, "/api/menu?store_id=1");
            ++sent_;
            if (r.status != 200) {
              ++failed_;
              std::lock_guard lock(mutex_);
              if (failures_.size() < 5)
                failures_.push_back(std::to_string(r.status) + " " + r.error + " " + r.body);
            }
            std::this_thread::sleep_for(2ms);
          }
        }) {}
  ~SteadyTraffic() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int sent() const { return sent_; }
  int failed() const { return failed_; }
  std::string failures() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& f : failures_) out += f + "\n";
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0};
  std::atomic<int> failed_{0};
  std::mutex mutex_;
  std::vector<std::string> failures_;
  std::thread thread_;
};

TEST(Cluster, UpRunsEveryServiceAsProcessesAndDownStopsThemAll) {
  Cluster cluster;
  auto up = cluster.up();
  ASSERT_EQ(up.status, 0) << up.out << up.err;
  EXPECT_NE(up.out.find("gateway:     http://127.0.0.1:"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("admin.token"), std::string::npos) << up.out;

  struct stat st{};
  ASSERT_EQ(::stat((cluster.data() / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto replicas = cluster.replicas();
  std::set<std::string> names;
  std::vector<int> pids;
  for (const auto& r : replicas) {
    names.insert(r.name);
    pids.push_back(r.pid);
    EXPECT_EQ(r.state, "ready") << r.name;
    EXPECT_TRUE(cluster::process_alive(r.pid)) << r.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"bus/1", "menu/1", "menu/2", "gateway/1"}));
  // Menu replicas on both nodes by default.
  EXPECT_NE(cluster.replica("menu/1")->node, cluster.replica("menu/2")->node);

  // A real client through the gateway, and both menu replicas in rotation.
  auto curl = run_program("curl", {"-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                                   "http://" + cluster.gateway() + "/api/menu?store_id=1"});
  EXPECT_EQ(curl.out, "200") << curl.err;
  EXPECT_EQ(cluster.routed("menu").size(), 2u);

  auto table = cluster.cli({"status"});
  EXPECT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("menu/2"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("P99(ms)"), std::string::npos) << table.out;

  auto logs = cluster.cli({"logs", "menu"});
  EXPECT_EQ(logs.status, 0) << logs.err;
  EXPECT_NE(logs.out.find("menu/1"), std::string::npos);
  EXPECT_NE(logs.out.find("menu/2"), std::string::npos);
  EXPECT_EQ(logs.out.find("gateway/1"), std::string::npos) << "only menu's lines";
  auto raw = cluster.cli({"logs", "--json"});
  ASSERT_EQ(raw.status, 0) << raw.err;
  std::string previous_ts;
  std::istringstream lines(raw.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    auto parsed = json::parse(line, {.max_depth = 16, .max_bytes = 1 << 20});
    ASSERT_TRUE(parsed && parsed->is_object()) << line;
    const std::string ts(parsed->as_object().at("ts").as_string());
    EXPECT_LE(previous_ts, ts) << "merged in time order";
    previous_ts = ts;
    ++count;
  }
  EXPECT_GT(count, 8);

  auto down = cluster.down();
  EXPECT_EQ(down.status, 0) << down.out << down.err;
  EXPECT_NE(down.out.find("graceful"), std::string::npos) << down.out;
  for (int pid : pids) EXPECT_FALSE(cluster::process_alive(pid)) << pid;
  // Every replica stopped on SIGTERM through its ordered shutdown.
  for (const char* file : {"menu-1.log", "menu-2.log", "gateway-1.log", "bus-1.log"})
    EXPECT_NE(read_file(cluster.data() / "logs" / file).find("\"event\":\"stopped\""), std::string::npos)
        << file;
}

TEST(Cluster, ReplacesAKilledReplicaAndTheGatewayStopsRoutingToItMeanwhile) {
  Cluster cluster;
  ASSERT_EQ(cluster.up().status, 0);
  const auto victim = cluster.replica("menu/1");
  ASSERT_TRUE(victim);
  SteadyTraffic traffic(cluster.gateway_port());
  std::this_thread::sleep_for(200ms);

  ASSERT_EQ(::kill(victim->pid, SIGKILL), 0);  // an outage, not a supervisor verb
  const auto killed_at = Clock::now();
  EXPECT_TRUE(eventually([&] { return !cluster.routed("menu").contains(victim->address); }, 1s))
      << "the gateway still routes to the killed replica";
  EXPECT_LT(Clock::now() - killed_at, 1s);
  EXPECT_TRUE(eventually(
      [&] {
        auto r = cluster.replica("menu/1");
        return r && r->state == "ready" && r->pid != victim->pid;
      },
      10s));
  EXPECT_TRUE(eventually([&] { return cluster.routed("menu").contains(victim->address); }, 3s))
      << "the replacement keeps the replica's address and returns to rotation";
  std::this_thread::sleep_for(200ms);
  traffic.stop();
  EXPECT_GT(traffic.sent(), 50);
  // GETs the killed replica had in flight are retried on the other replica.
  EXPECT_EQ(traffic.failed(), 0) << traffic.failures();
  auto status = cluster.cli({"status"});
  EXPECT_NE(status.out.find("menu/1"), std::string::npos);
}

TEST(Cluster, ScalesAServiceUpAndDown) {
  Cluster cluster;
  ASSERT_EQ(cluster.up().status, 0);
  auto scaled = cluster.cli({"scale", "menu", "3"});
  ASSERT_EQ(scaled.status, 0) << scaled.err;
  EXPECT_TRUE(eventually(
      [&] { return cluster.ready("menu").size() == 3 && cluster.routed("menu").size() == 3; }, 10s));

  const auto before = cluster.ready("menu");
  ASSERT_EQ(cluster.cli({"scale", "menu", "1"}).status, 0);
  EXPECT_TRUE(eventually(
      [&] { return cluster.ready("menu").size() == 1 && cluster.routed("menu").size() == 1; }, 15s));
  int alive = 0;
  for (const auto& r : before) alive += cluster::process_alive(r.pid) ? 1 : 0;
  EXPECT_EQ(alive, 1) << "scaled-in replicas exit";

  auto refused = cluster.cli({"scale", "bus", "2"});
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.err.find("does not scale"), std::string::npos) << refused.err;
  auto unknown = cluster.cli({"scale", "unicorns", "2"});
  EXPECT_NE(unknown.status, 0);
  EXPECT_NE(unknown.err.find("no service 'unicorns'"), std::string::npos) << unknown.err;
}

TEST(Cluster, DrainingANodeMovesItsReplicasWithoutAFailedRequest) {
  Cluster cluster;
  ASSERT_EQ(cluster.up().status, 0);
  SteadyTraffic traffic(cluster.gateway_port());
  std::this_thread::sleep_for(300ms);
  auto drained = cluster.cli({"drain", "node-a"});
  ASSERT_EQ(drained.status, 0) << drained.err;
  EXPECT_TRUE(eventually(
      [&] {
        auto menu = cluster.ready("menu");
        bool off_a =
            std::none_of(menu.begin(), menu.end(), [](const ReplicaInfo& r) { return r.node == "node-a"; });
        return menu.size() == 2 && off_a && cluster.routed("menu").size() == 2;
      },
      15s));
  std::this_thread::sleep_for(300ms);
  traffic.stop();
  EXPECT_GT(traffic.sent(), 50);
  EXPECT_EQ(traffic.failed(), 0) << traffic.failures();
  EXPECT_NE(cluster.cli({"status"}).out.find("node-a (cordoned)"), std::string::npos);

  ASSERT_EQ(cluster.cli({"uncordon", "node-a"}).status, 0);
  ASSERT_EQ(cluster.cli({"scale", "menu", "3"}).status, 0);
  EXPECT_TRUE(eventually(
      [&] {
        auto menu = cluster.ready("menu");
        return menu.size() == 3 &&
               std::any_of(menu.begin(), menu.end(), [](const ReplicaInfo& r) { return r.node == "node-a"; });
      },
      10s))
      << "an uncordoned node takes replicas again";
}

char process_state(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

TEST(Cluster, PausesAndResumesAReplica) {
  Cluster cluster;
  ASSERT_EQ(cluster.up().status, 0);
  const auto menu = cluster.replica("menu/2");
  ASSERT_TRUE(menu);
  ASSERT_EQ(cluster.cli({"pause", "menu/2"}).status, 0);
  EXPECT_EQ(cluster.replica("menu/2")->state, "paused");
  EXPECT_TRUE(eventually([&] { return process_state(menu->pid) == 'T'; }, 2s));
  // Hung from outside: the gateway's health checks take it out of rotation.
  EXPECT_TRUE(eventually([&] { return !cluster.routed("menu").contains(menu->address); }, 8s));

  ASSERT_EQ(cluster.cli({"resume", "menu-2"}).status, 0);
  EXPECT_EQ(cluster.replica("menu/2")->state, "ready");
  EXPECT_NE(process_state(menu->pid), 'T');
  EXPECT_TRUE(eventually([&] { return cluster.routed("menu").contains(menu->address); }, 8s));
  EXPECT_EQ(cluster.replica("menu/2")->pid, menu->pid) << "the same process, not a restart";

  auto wrong = cluster.cli({"resume", "menu/2"});
  EXPECT_NE(wrong.status, 0);
  EXPECT_NE(wrong.err.find("not paused"), std::string::npos) << wrong.err;
}

TEST(Cluster, LeavesNoProcessWhenTheSupervisorIsKilled) {
  Cluster cluster;
  ASSERT_EQ(cluster.up().status, 0);
  std::vector<int> pids;
  for (const auto& r : cluster.replicas()) pids.push_back(r.pid);
  ASSERT_EQ(pids.size(), 4u);
  const std::string state = read_file(cluster.data() / "cluster.json");
  auto parsed = json::parse(state, {.max_depth = 4, .max_bytes = 4096});
  ASSERT_TRUE(parsed);
  const int supervisor = static_cast<int>(parsed->as_object().at("supervisor_pid").to_number<std::int64_t>());
  ASSERT_EQ(::kill(supervisor, SIGKILL), 0);
  EXPECT_TRUE(eventually(
      [&] {
        return std::none_of(pids.begin(), pids.end(), [](int pid) { return cluster::process_alive(pid); });
      },
      3s))
      << "children outlived their supervisor";

  // The data dir is free again: a new `up` starts cleanly on it.
  auto again = cluster.up();
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(cluster.ready("menu").size(), 2u);
}

TEST(Cluster, RefusesASecondUpOnTheSameDataDir) {
  Cluster cluster;
  ASSERT_EQ(cluster.up().status, 0);
  auto second = cluster.up();
  EXPECT_NE(second.status, 0);
  EXPECT_NE(second.err.find("already running on " + cluster.data().string()), std::string::npos)
      << second.err;
  auto foreground = run_cli({"up", "--data-dir", cluster.data().string()}, 30s);
  EXPECT_NE(foreground.status, 0);
  EXPECT_NE(foreground.err.find("already running"), std::string::npos) << foreground.err;
  EXPECT_EQ(cluster.ready("menu").size(), 2u) << "the running cluster is untouched";
}

TEST(Cluster, RefusesBadConfigFilesNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"cluster: {replicaz: 2}\n", "cluster.replicaz"},
      {"cluster: {services: {mneu: {replicas: 2}}}\n", "cluster.services.mneu"},
      {"cluster: {services: {menu: {replicas: two}}}\n", "cluster.services.menu.replicas"},
      {"cluster: {services: {menu: {replicas: 17}}}\n", "cluster.services.menu.replicas"},
      {"cluster: {services: {bus: {replicas: 2}}}\n", "cluster.services.bus.replicas"},
      {"cluster: {gateway_port: 18080, control_port: 18080}\n", "cluster.control_port"},
      {"cluster: {services: {menu: {nodes: [node-z]}}}\n", "cluster.services.menu.nodes[0]"},
  };
  for (const auto& [yaml, key] : cases) {
    TempDir dir;
    std::ofstream(dir.path() / "cafe.yaml") << yaml;
    auto result = run_cli({"up", "--detach", "--data-dir", (dir.path() / "var").string(), "--config",
                           (dir.path() / "cafe.yaml").string()},
                          30s);
    EXPECT_EQ(result.status, 2) << yaml << result.err;
    EXPECT_NE(result.err.find(key), std::string::npos) << yaml << " -> " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line: " << result.err;
  }
}

TEST(Cluster, StopsRestartingACrashLoopingReplicaAndSaysSo) {
  // Menu cannot reach its store: every start fails.
  Cluster cluster(R"(log: {access_log: false}
menu:
  store: {backend: postgres, postgres: {conninfo: "host=127.0.0.1 port=1 dbname=none connect_timeout=1"}}
cluster:
  restart: {initial_backoff: 20ms, max_backoff: 100ms, crash_loop_restarts: 2}
)");
  auto up = cluster.up();
  EXPECT_EQ(up.status, 1) << up.out << up.err;
  EXPECT_NE(up.err.find("menu/"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("crash-looping"), std::string::npos) << up.err;
  EXPECT_NE(read_file(cluster.data() / "logs" / "supervisor.log").find("replica_crash_loop"),
            std::string::npos);
  // Nothing is left running, and the data dir is free.
  auto down = cluster.cli({"down"});
  EXPECT_NE(down.out.find("no cluster is running"), std::string::npos) << down.out;
}

// Processes whose command line mentions `needle` (the servers of a data dir).
std::vector<int> processes_mentioning(const std::string& needle) {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const int pid = std::stoi(name);
    if (!cluster::process_alive(pid)) continue;
    for (const auto& arg : cluster::process_command_line(pid)) {
      if (arg.find(needle) != std::string::npos) {
        out.push_back(pid);
        break;
      }
    }
  }
  return out;
}

TEST(Cluster, RunsOnTheRealStackAndDownLeavesNoServerRunning) {
  for (const char* server : {"/usr/sbin/nats-server", "/usr/bin/redis-server", "/usr/bin/prometheus"}) {
    if (!std::filesystem::exists(server)) {
      fail_or_skip(server, "not installed");
      return;
    }
  }
  Cluster cluster;
  auto up = cluster.up({"--stack", "real", "--prometheus"});
  ASSERT_EQ(up.status, 0) << up.out << up.err;
  EXPECT_NE(up.out.find("(real stack)"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("prometheus:  http://127.0.0.1:"), std::string::npos) << up.out;
  EXPECT_EQ(std::string(cluster.status().at("stack").as_string()), "real");
  EXPECT_FALSE(cluster.replica("bus/1")) << "NATS JetStream takes the bus process's place";

  // Menu's catalog is in PostgreSQL: a write through the gateway is read
  // back by the other replica.
  const std::string item =
      R"({"item_id":"flat_white_real","name":"Flat White","category":"espresso","price_cents":450,"modifiers":[]})";
  auto created = send_request(cluster.gateway_port(), {.method = "POST",
                                                       .target = "/api/menu/items",
                                                       .headers = {{"Authorization", "Bearer " + cluster.token()},
                                                                   {"Content-Type", "application/json"}},
                                                       .body = item});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(eventually(
      [&] {
        int found = 0;
        for (const auto& r : cluster.ready("menu"))
          found += get(port_of(r.address), "/api/menu/items/flat_white_real").status == 200 ? 1 : 0;
        return found == 2;
      },
      5s));
  std::set<std::string> components;
  std::vector<int> servers;
  for (const auto& record : cluster::stack::read_pid_records(cluster.data() / "stack" / "run")) {
    EXPECT_TRUE(cluster::process_alive(record.pid)) << record.name;
    components.insert(record.name);
    servers.push_back(record.pid);
  }
  EXPECT_EQ(components, (std::set<std::string>{"nats", "postgres-primary", "postgres-standby", "redis"}));
  EXPECT_FALSE(processes_mentioning((cluster.data() / "prometheus").string()).empty());

  auto down = cluster.down();
  EXPECT_EQ(down.status, 0) << down.out << down.err;
  for (int pid : servers) EXPECT_FALSE(cluster::process_alive(pid)) << pid;
  EXPECT_TRUE(processes_mentioning(cluster.data().string()).empty()) << "a server of the stack outlived down";
}

}  // namespace
}  // namespace cafe::test
