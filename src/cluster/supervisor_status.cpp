// What the supervisor reports: each replica's /metrics readings, the status table and its JSON.
#include "cluster/placement.h"
#include "cluster/stack/loopback.h"
#include "cluster/supervisor.h"
#include "cluster/supervisor_internal.h"
#include "platform/http_client/client.h"
#include "platform/json/body.h"
#include "platform/service/task_group.h"
#include "platform/telemetry/metrics.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cafe::cluster {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Role = service::ClusterTraits::Role;
using namespace internal;

asio::awaitable<void> Supervisor::scrape() {
  std::vector<Replica*> ready;
  for (const auto& r : replicas_)
    if (r->state == ReplicaState::kReady) ready.push_back(r.get());
  for (Replica* r : ready) {
    http::Request req;
    req.method = http::Method::kGet;
    req.method_text = "GET";
    req.target = "/metrics";
    req.headers.add("User-Agent", "cloudcafe-supervisor");
    auto target = http_client::Target::parse(r->address());
    const pid_t scraped = r->pid;
    auto outcome = co_await client_->send(*target, req, {.deadline = 500ms, .allow_retry = false});
    if (!outcome.ok() || outcome.response.status != 200 || r->pid != scraped) continue;
    auto totals = parse_http_totals(outcome.response.body);
    if (!totals) continue;
    r->metrics_before = std::move(r->metrics_after);
    r->metrics_before_at = r->metrics_after_at;
    r->metrics_after = std::move(*totals);
    r->metrics_after_at = Clock::now();
  }
}

// Replicas write their logs through an O_APPEND descriptor, so a copy and
// a truncation bound the file without the replica reopening anything (a
// few lines written between the two can be lost).

std::string Supervisor::status_text() {
  auto render = [this]() -> asio::awaitable<std::string> {
    char line[256];
    std::string out;
    std::snprintf(line, sizeof line, "%-10s %-12s %-7s %-8s %-6s %-10s %8s %8s %8s %9s %8s\n", "SERVICE",
                  "REPLICA", "NODE", "PID", "PORT", "STATE", "RESTARTS", "UPTIME", "REQ/S", "P99(ms)",
                  "PSS(MB)");
    out += line;
    const auto now = Clock::now();
    for (const auto& r : replicas_) {
      if (r->state == ReplicaState::kStopped) continue;
      std::string rps = "-";
      std::string p99 = "-";
      if (r->metrics_before && r->metrics_after) {
        const double seconds =
            std::chrono::duration<double>(r->metrics_after_at - r->metrics_before_at).count();
        rps = std::to_string(std::lround(request_rate(*r->metrics_before, *r->metrics_after, seconds)));
        if (auto q = quantile(*r->metrics_before, *r->metrics_after, 0.99)) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.1f", *q * 1000);
          p99 = buf;
        }
      }
      std::string pss = "-";
      if (auto memory = r->pid > 0 ? process_memory(r->pid) : std::nullopt) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(memory->pss_bytes) / (1024.0 * 1024.0));
        pss = buf;
      }
      const std::string uptime =
          r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused
              ? format_duration(std::chrono::duration_cast<std::chrono::seconds>(now - r->ready_at))
              : "-";
      std::snprintf(line, sizeof line, "%-10s %-12s %-7s %-8s %-6u %-10s %8d %8s %8s %9s %8s\n",
                    r->service.c_str(), r->name().c_str(), r->node.c_str(),
                    r->pid > 0 ? std::to_string(r->pid).c_str() : "-", static_cast<unsigned>(r->port),
                    to_string(r->state), r->policy.restarts(), uptime.c_str(), rps.c_str(), p99.c_str(),
                    pss.c_str());
      out += line;
    }
    co_return out;
  };
  return asio::co_spawn(context_.executor(0), render(), asio::use_future).get();
}

boost::json::object Supervisor::describe() const {
  const auto now = Clock::now();
  boost::json::array replicas;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaState::kStopped) continue;
    boost::json::object o{{"service", r->service},
                          {"replica", r->name()},
                          {"node", r->node},
                          {"pid", r->pid},
                          {"port", r->port},
                          {"address", r->address()},
                          {"state", to_string(r->state)},
                          {"restarts", r->policy.restarts()},
                          {"last_exit", r->last_exit}};
    o["uptime_s"] = r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused
                        ? std::chrono::duration<double>(now - r->ready_at).count()
                        : 0.0;
    if (r->metrics_before && r->metrics_after) {
      const double seconds =
          std::chrono::duration<double>(r->metrics_after_at - r->metrics_before_at).count();
      o["rps"] = request_rate(*r->metrics_before, *r->metrics_after, seconds);
      if (auto q = quantile(*r->metrics_before, *r->metrics_after, 0.99)) o["p99_ms"] = *q * 1000;
    }
    if (auto memory = r->pid > 0 ? process_memory(r->pid) : std::nullopt) {
      o["pss_bytes"] = memory->pss_bytes;
      o["rss_bytes"] = memory->rss_bytes;
    }
    replicas.push_back(std::move(o));
  }
  boost::json::array nodes;
  for (const auto& n : options_.config.nodes)
    nodes.push_back({{"name", n}, {"cordoned", cordoned_.contains(n)}});
  return {{"stack", options_.stack},
          {"gateway", gateway_address_},
          {"ready", first_start_done_.load() && first_start_failure_.empty()},
          {"stopping", stopping_},
          {"nodes", std::move(nodes)},
          {"replicas", std::move(replicas)}};
}

}  // namespace cafe::cluster
