// The supervisor and the gateways: which replicas each one routes to.
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

asio::awaitable<void> Supervisor::unroute(Replica* r) {
  if (rank_of(r->service) != 1) co_return;
  const std::string path = "/admin/targets/" + r->service + "/" + r->address();
  for (const auto& g : replicas_) {
    if (rank_of(g->service) != 2 || g->state != ReplicaState::kReady) continue;
    auto target = http_client::Target::parse(g->address());
    auto req = admin_request(http::Method::kDelete, "DELETE", path, options_.admin_token);
    auto outcome =
        co_await client_->send(*target, req, {.deadline = kAdminCallTimeout, .allow_retry = false});
    if (!outcome.ok() || (outcome.response.status != 202 && outcome.response.status != 404)) {
      context_.log(telemetry::Level::kWarn, "gateway_update_failed",
                   {{"gateway", std::string_view(g->name())},
                    {"child", std::string_view(r->name())},
                    {"detail", std::string_view(outcome.ok() ? outcome.response.body : outcome.detail)}});
    }
  }
}

// Makes every ready gateway's target groups match the replicas that are
// ready (or paused: from outside a paused replica is a hung one, and the
// gateway's own health checks must find that out, as they would in a real
// outage).
bool Supervisor::routes_current(Clock::time_point) const {
  // A whole sync round began after the last replica became ready.
  Clock::time_point last_ready{};
  for (const auto& r : replicas_)
    if (r->state == ReplicaState::kReady) last_ready = std::max(last_ready, r->ready_at);
  return last_sync_completed_began_ > last_ready;
}

asio::awaitable<void> Supervisor::sync_gateways() {
  const auto began = Clock::now();
  std::map<std::string, std::set<std::string>> desired;
  for (const auto& r : replicas_) {
    if (rank_of(r->service) != 1) continue;
    if (r->state == ReplicaState::kReady || r->state == ReplicaState::kPaused)
      desired[r->service].insert(r->address());
  }
  std::vector<Replica*> gateways;
  for (const auto& g : replicas_)
    if (rank_of(g->service) == 2 && g->state == ReplicaState::kReady) gateways.push_back(g.get());
  for (Replica* g : gateways) {
    auto target = http_client::Target::parse(g->address());
    auto list_req = admin_request(http::Method::kGet, "GET", "/admin/targets", options_.admin_token);
    auto listed =
        co_await client_->send(*target, list_req, {.deadline = kAdminCallTimeout, .allow_retry = false});
    if (!listed.ok() || listed.response.status != 200) continue;
    auto parsed = json::parse(listed.response.body, {.max_depth = 8, .max_bytes = 4 << 20});
    if (!parsed || !parsed->is_object()) continue;
    const auto* groups = parsed->as_object().if_contains("groups");
    if (!groups || !groups->is_array()) continue;
    for (const auto& gv : groups->as_array()) {
      if (!gv.is_object()) continue;
      const auto& go = gv.as_object();
      const auto* name = go.if_contains("group");
      const auto* targets = go.if_contains("targets");
      if (!name || !name->is_string() || !targets || !targets->is_array()) continue;
      const std::string group(name->as_string());
      std::set<std::string> present;  // members not draining
      std::set<std::string> draining;
      for (const auto& tv : targets->as_array()) {
        if (!tv.is_object()) continue;
        const auto* address = tv.as_object().if_contains("address");
        const auto* is_draining = tv.as_object().if_contains("draining");
        if (!address || !address->is_string()) continue;
        const bool d = is_draining && is_draining->is_bool() && is_draining->as_bool();
        (d ? draining : present).insert(std::string(address->as_string()));
      }
      const auto& want = desired[group];
      for (const auto& address : want) {
        if (present.contains(address) || draining.contains(address))
          continue;  // a draining one leaves, then returns
        auto add = admin_request(http::Method::kPost, "POST", "/admin/targets/" + group, options_.admin_token,
                                 boost::json::serialize(boost::json::object{{"address", address}}));
        auto added =
            co_await client_->send(*target, add, {.deadline = kAdminCallTimeout, .allow_retry = false});
        if (added.ok() && added.response.status == 201) {
          context_.log(telemetry::Level::kInfo, "gateway_target_added",
                       {{"gateway", std::string_view(g->name())},
                        {"group", std::string_view(group)},
                        {"address", std::string_view(address)}});
        }
      }
      for (const auto& address : present) {
        if (want.contains(address)) continue;
        std::string path = "/admin/targets/";
        path += group;
        path += '/';
        path += address;
        auto drain = admin_request(http::Method::kDelete, "DELETE", std::move(path), options_.admin_token);
        auto drained =
            co_await client_->send(*target, drain, {.deadline = kAdminCallTimeout, .allow_retry = false});
        if (drained.ok() && drained.response.status == 202) {
          context_.log(telemetry::Level::kInfo, "gateway_target_drained",
                       {{"gateway", std::string_view(g->name())},
                        {"group", std::string_view(group)},
                        {"address", std::string_view(address)}});
        }
      }
    }
  }
  last_sync_completed_began_ = std::max(last_sync_completed_began_, began);
}

}  // namespace cafe::cluster
