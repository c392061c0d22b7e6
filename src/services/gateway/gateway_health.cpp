// The gateway's health checks (one probe loop per target, so a paused
// replica delays only its own probe), the start/stop of its background
// work, and run-time membership.
#include "platform/telemetry/log.h"
#include "services/gateway/gateway.h"
#include "services/gateway/gateway_shared.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>

namespace cafe::gateway {

namespace asio = boost::asio;

Gateway::Shared::Shared(prometheus::Registry* registry) {
  if (!registry) return;
  healthy_ = &prometheus::BuildGauge()
                  .Name("cloudcafe_gateway_target_healthy")
                  .Help("1 when the health checks pass for the target, 0 when they took it out")
                  .Register(*registry);
  in_rotation_ = &prometheus::BuildGauge()
                      .Name("cloudcafe_gateway_group_targets_in_rotation")
                      .Help("Targets of the group taking requests: healthy, not draining, not ejected")
                      .Register(*registry);
  ejections_ = &prometheus::BuildCounter()
                    .Name("cloudcafe_gateway_target_ejections_total")
                    .Help("Targets ejected by outlier detection (consecutive failed requests)")
                    .Register(*registry)
                    .Add({});
  rate_limited_ = &prometheus::BuildCounter()
                       .Name("cloudcafe_gateway_rate_limited_total")
                       .Help("Requests refused by the per-client rate limit")
                       .Register(*registry)
                       .Add({});
}

void Gateway::Shared::set_healthy(const std::string& group, const upstream::Target& target) {
  if (healthy_) healthy_->Add({{"group", group}, {"target", target.name()}}).Set(target.healthy() ? 1 : 0);
}

void Gateway::Shared::set_in_rotation(const upstream::TargetGroup& group) {
  if (!in_rotation_) return;
  const auto now = upstream::Clock::now();
  const auto members = group.snapshot();
  const auto n = std::count_if(members->targets.begin(), members->targets.end(),
                               [now](const upstream::TargetPtr& t) { return t->available(now); });
  in_rotation_->Add({{"group", group.name()}}).Set(static_cast<double>(n));
}

void Gateway::Shared::on_ejected(const upstream::Target& target) {
  if (ejections_) ejections_->Increment();
  telemetry::log(telemetry::Level::kWarn, "target_ejected",
                 {{"target", std::string_view(target.name())},
                  {"ejections_in_a_row", static_cast<std::int64_t>(target.ejections_in_a_row())}});
}

void Gateway::Shared::count_rate_limited() {
  if (rate_limited_) rate_limited_->Increment();
}

namespace {

bool is_member(const upstream::TargetGroup& group, const upstream::Target* target) {
  const auto members = group.snapshot();
  return std::any_of(members->targets.begin(), members->targets.end(),
                     [target](const upstream::TargetPtr& t) { return t.get() == target; });
}

asio::awaitable<void> probe_loop(std::shared_ptr<Gateway::Shared> shared,
                                 std::shared_ptr<http_client::Client> client, upstream::TargetGroup& group,
                                 upstream::TargetPtr target, GatewayOptions options) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto registered = shared->probe_timers.insert(shared->probe_timers.end(), &timer);
  struct Unregister {
    std::list<asio::steady_timer*>& timers;
    std::list<asio::steady_timer*>::iterator it;
    ~Unregister() { timers.erase(it); }
  } unregister{shared->probe_timers, registered};

  while (!shared->stopping) {
    // Draining targets leave on the next round once idle; a removed one
    // ends its loop.
    for (const auto& gone : group.collect_drained()) {
      telemetry::log(telemetry::Level::kInfo, "target_removed",
                     {{"group", std::string_view(group.name())}, {"target", std::string_view(gone->name())}});
    }
    if (!is_member(group, target.get())) break;
    http::Request probe;
    probe.method = http::Method::kGet;
    probe.method_text = "GET";
    probe.target = options.health_path;
    probe.headers.add("User-Agent", "cloudcafe-gateway-health");
    auto outcome = co_await client->send(target->address(), probe,
                                         {.deadline = options.health_timeout, .allow_retry = false});
    if (shared->stopping) break;
    const bool passed = outcome.ok() && outcome.response.status >= 200 && outcome.response.status < 300;
    if (target->record_check(passed, options.thresholds)) {
      telemetry::log(passed ? telemetry::Level::kInfo : telemetry::Level::kWarn,
                     passed ? "target_up" : "target_down",
                     {{"group", std::string_view(group.name())},
                      {"target", std::string_view(target->name())},
                      {"reason", std::string_view(passed ? "health checks pass" : outcome.detail)}});
    }
    shared->set_healthy(group.name(), *target);
    shared->set_in_rotation(group);
    timer.expires_after(options.health_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
}

}  // namespace

void Gateway::spawn_probe(upstream::TargetGroup& group, upstream::TargetPtr target) {
  std::shared_ptr<http_client::Client> client;
  asio::any_io_executor executor;
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->health_executor || shared_->stopping) return;
    client = shared_->health_client;
    executor = *shared_->health_executor;
  }
  std::string name = "gateway_probe " + target->name();
  asio::co_spawn(
      executor, probe_loop(shared_, std::move(client), group, std::move(target), options_),
      [name = std::move(name)](const std::exception_ptr& e) { telemetry::log_coroutine_exit(name, e); });
}

void Gateway::start(http::Server& server) {
  auto executor = server.executor(0);
  auto health_options = http_client::ClientOptions{};
  health_options.connect_timeout = options_.connect_timeout;
  health_options.max_attempts = 1;
  health_options.service = "gateway-health";
  // Health checks must keep probing a failing target: a breaker would stop
  // them from ever seeing it recover.
  health_options.breaker.min_failures = static_cast<std::size_t>(1) << 30;
  auto health_client = std::make_shared<http_client::Client>(executor, health_options, nullptr);
  {
    std::lock_guard lock(shared_->mutex);
    shared_->health_client = health_client;
    shared_->health_executor = executor;
  }
  for (auto& group : groups_) {
    for (const auto& t : group->snapshot()->targets) spawn_probe(*group, t);
  }
  shared_->started = true;
  // Requests admitted before a shutdown still need their clients: close
  // each thread's client only once that thread has no connection left.
  server.on_drained([shared = shared_] {
    std::shared_ptr<http_client::Client> mine;
    {
      std::lock_guard lock(shared->mutex);
      if (auto it = shared->clients.find(std::this_thread::get_id()); it != shared->clients.end()) {
        mine = it->second.client;
      }
    }
    if (mine) mine->close();
  });
}

void Gateway::stop() {
  if (shared_->stopping.exchange(true)) return;
  std::lock_guard lock(shared_->mutex);
  // The probes end now; request clients close when their thread has
  // drained (see start()).
  if (shared_->health_executor) {
    asio::post(*shared_->health_executor, [shared = shared_] {
      for (auto* timer : shared->probe_timers) timer->cancel();
      if (shared->health_client) shared->health_client->close();
    });
  }
}

Result<upstream::TargetPtr> Gateway::add_target(std::string_view group_name, std::string_view address) {
  upstream::TargetGroup* g = group(group_name);
  if (!g) return Error::not_found("no target group '" + std::string(group_name) + "'");
  auto target = http_client::Target::parse(address);
  if (!target) return Error::invalid(target.error().detail, {{"address", target.error().detail}});
  auto added = g->add(std::move(*target));
  if (!added) return added.error();
  shared_->set_healthy(g->name(), **added);
  spawn_probe(*g, *added);
  telemetry::log(telemetry::Level::kInfo, "target_added",
                 {{"group", std::string_view(g->name())}, {"target", std::string_view((*added)->name())}});
  return added;
}

Result<upstream::TargetPtr> Gateway::drain_target(std::string_view group_name, std::string_view address) {
  upstream::TargetGroup* g = group(group_name);
  if (!g) return Error::not_found("no target group '" + std::string(group_name) + "'");
  auto target = http_client::Target::parse(address);
  if (!target) return Error::invalid(target.error().detail, {{"address", target.error().detail}});
  auto drained = g->drain(*target);
  if (!drained) return drained.error();
  telemetry::log(telemetry::Level::kInfo, "target_draining",
                 {{"group", std::string_view(g->name())},
                  {"target", std::string_view((*drained)->name())},
                  {"in_flight", static_cast<std::int64_t>((*drained)->outstanding())}});
  return drained;
}

}  // namespace cafe::gateway
