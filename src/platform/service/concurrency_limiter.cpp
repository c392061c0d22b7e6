#include "platform/service/concurrency_limiter.h"

#include "platform/http/service.h"
#include "platform/service/limits_config.h"
#include "platform/telemetry/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

namespace cafe::service {

namespace asio = boost::asio;

namespace {

const char* kind_label(ConcurrencyLimiter::Kind kind) {
  return kind == ConcurrencyLimiter::Kind::kRoute ? "route" : "dependency";
}

bool operator_route(std::string_view pattern) {
  return pattern.starts_with("/health") || pattern == "/metrics" || pattern.starts_with("/admin");
}

}  // namespace

ConcurrencyLimiter::ConcurrencyLimiter(Options options, Meters meters)
    : options_(std::move(options)), meters_(meters) {}

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (owner_) owner_->release();
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

ConcurrencyLimiter::Permit::~Permit() {
  if (owner_) owner_->release();
}

Result<ConcurrencyLimiter::Permit> ConcurrencyLimiter::try_acquire() {
  std::size_t current = in_flight_.load(std::memory_order_relaxed);
  do {
    if (current >= options_.max_in_flight) {
      shed_.fetch_add(1, std::memory_order_relaxed);
      if (meters_.shed) meters_.shed->Increment();
      return Error::unavailable(std::string(kind_label(options_.kind)) + " " + options_.name + " has " +
                                    std::to_string(options_.max_in_flight) +
                                    " calls in flight; shedding load",
                                options_.retry_after_seconds);
    }
  } while (!in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed));
  if (meters_.in_flight) meters_.in_flight->Increment();
  return Permit(this);
}

void ConcurrencyLimiter::release() noexcept {
  in_flight_.fetch_sub(1, std::memory_order_release);
  if (meters_.in_flight) meters_.in_flight->Decrement();
}

struct ConcurrencyLimits::Families {
  prometheus::Family<prometheus::Gauge>& in_flight;
  prometheus::Family<prometheus::Gauge>& limit;
  prometheus::Family<prometheus::Counter>& shed;
};

ConcurrencyLimits::ConcurrencyLimits(const LimitsConfig& config, telemetry::Metrics& metrics)
    : config_(std::make_unique<LimitsConfig>(config)),
      families_(std::make_unique<Families>(Families{
          .in_flight = prometheus::BuildGauge()
                           .Name("cloudcafe_concurrency_in_flight")
                           .Help("Calls in flight through a route or to a dependency")
                           .Labels({{"service", metrics.service()}})
                           .Register(metrics.registry()),
          .limit = prometheus::BuildGauge()
                       .Name("cloudcafe_concurrency_limit")
                       .Help("Most calls allowed in flight through a route or to a dependency")
                       .Labels({{"service", metrics.service()}})
                       .Register(metrics.registry()),
          .shed = prometheus::BuildCounter()
                      .Name("cloudcafe_load_shed_total")
                      .Help("Calls refused because their route or dependency was at its concurrency limit")
                      .Labels({{"service", metrics.service()}})
                      .Register(metrics.registry()),
      })) {}

ConcurrencyLimits::~ConcurrencyLimits() = default;

ConcurrencyLimiter& ConcurrencyLimits::find_or_add(ConcurrencyLimiter::Kind kind, std::string_view name) {
  std::string key = std::string(kind_label(kind)) + ":" + std::string(name);
  std::lock_guard lock(mutex_);
  if (auto found = limiters_.find(key); found != limiters_.end()) return *found->second;
  const auto& named = kind == ConcurrencyLimiter::Kind::kRoute ? config_->routes : config_->dependencies;
  std::size_t limit = kind == ConcurrencyLimiter::Kind::kRoute ? config_->route_max_in_flight
                                                               : config_->dependency_max_in_flight;
  if (auto configured = named.find(name); configured != named.end()) limit = configured->second;
  const prometheus::Labels labels{{"kind", kind_label(kind)}, {"name", std::string(name)}};
  families_->limit.Add(labels).Set(static_cast<double>(limit));
  auto limiter = std::make_unique<ConcurrencyLimiter>(
      ConcurrencyLimiter::Options{.name = std::string(name), .kind = kind, .max_in_flight = limit},
      ConcurrencyLimiter::Meters{.in_flight = &families_->in_flight.Add(labels),
                                 .shed = &families_->shed.Add(labels)});
  auto& result = *limiter;
  limiters_.emplace(std::move(key), std::move(limiter));
  return result;
}

ConcurrencyLimiter& ConcurrencyLimits::route(std::string_view route_template) {
  return find_or_add(ConcurrencyLimiter::Kind::kRoute, route_template);
}

ConcurrencyLimiter& ConcurrencyLimits::dependency(std::string_view name) {
  return find_or_add(ConcurrencyLimiter::Kind::kDependency, name);
}

void ConcurrencyLimits::apply_to_routes(http::Router& router) {
  for (http::Route* r : router.routes()) {
    if (operator_route(r->pattern)) continue;
    r->handler = limit_route(route(r->pattern), std::move(r->handler));
  }
}

http::Handler limit_route(ConcurrencyLimiter& limiter, http::Handler handler) {
  return [&limiter, inner = std::move(handler)](http::Request& req) -> asio::awaitable<http::Response> {
    auto permit = limiter.try_acquire();
    if (!permit) co_return http::problem_for(req, permit.error());
    co_return co_await inner(req);
  };
}

}  // namespace cafe::service
