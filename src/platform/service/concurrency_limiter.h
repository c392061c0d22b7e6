// Load shedding by concurrency (DESIGN §5): at most `max_in_flight` calls at
// once through one route or to one dependency. The next call is refused at
// once — 503 with Retry-After for a route, kUnavailable for a dependency —
// rather than joining a queue that grows while whatever is behind it is slow.
// There is no queue at all: the caller's own retry (with backoff) is the
// only waiting.
//
// Thread-safe and lock-free: a permit is one compare-and-swap.
#pragma once

#include "platform/core/error.h"
#include "platform/http/router.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace cafe::telemetry {
class Metrics;
}

namespace cafe::service {

struct LimitsConfig;

class ConcurrencyLimiter {
 public:
  enum class Kind : std::uint8_t { kRoute, kDependency };

  struct Options {
    std::string name;  // the route template or the dependency
    Kind kind = Kind::kRoute;
    std::size_t max_in_flight = 1000;
    int retry_after_seconds = 1;
  };

  // Gauges and counters are optional (null: unmetered).
  struct Meters {
    prometheus::Gauge* in_flight = nullptr;
    prometheus::Counter* shed = nullptr;
  };

  ConcurrencyLimiter(Options options, Meters meters);
  explicit ConcurrencyLimiter(Options options)
      : ConcurrencyLimiter(std::move(options), Meters{nullptr, nullptr}) {}
  ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
  ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

  // Holds one unit of the limit until destroyed. Movable.
  class Permit {
   public:
    Permit(Permit&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class ConcurrencyLimiter;
    explicit Permit(ConcurrencyLimiter* owner) : owner_(owner) {}
    ConcurrencyLimiter* owner_;
  };

  // A permit, or kUnavailable (with Retry-After) when `max_in_flight`
  // permits are already out.
  Result<Permit> try_acquire();

  std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  std::uint64_t shed_count() const noexcept { return shed_.load(std::memory_order_relaxed); }
  const Options& options() const noexcept { return options_; }

 private:
  void release() noexcept;

  Options options_;
  Meters meters_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::uint64_t> shed_{0};
};

// One service's limiters, made from its `limits` config section, with
//   cloudcafe_concurrency_in_flight{service,kind,name}   gauge
//   cloudcafe_concurrency_limit{service,kind,name}       gauge
//   cloudcafe_load_shed_total{service,kind,name}         counter
// Limiters live as long as this object. Thread-safe.
class ConcurrencyLimits {
 public:
  ConcurrencyLimits(const LimitsConfig& config, telemetry::Metrics& metrics);
  ~ConcurrencyLimits();
  ConcurrencyLimits(const ConcurrencyLimits&) = delete;
  ConcurrencyLimits& operator=(const ConcurrencyLimits&) = delete;

  // The same limiter for the same name: its configured limit, else the
  // default for its kind. Takes a mutex: look limiters up at start-up.
  ConcurrencyLimiter& route(std::string_view route_template);
  ConcurrencyLimiter& dependency(std::string_view name);

  // Puts every route of `router` behind its route limiter, except the
  // operators' routes (/health*, /metrics, /admin*), which must answer
  // under any load.
  void apply_to_routes(http::Router& router);

 private:
  struct Families;
  ConcurrencyLimiter& find_or_add(ConcurrencyLimiter::Kind kind, std::string_view name);

  std::unique_ptr<LimitsConfig> config_;
  std::unique_ptr<Families> families_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<ConcurrencyLimiter>, std::less<>> limiters_;  // guarded by mutex_
};

// `handler` behind `limiter`: a request over the limit gets 503 problem+json
// with Retry-After and never reaches the handler.
http::Handler limit_route(ConcurrencyLimiter& limiter, http::Handler handler);

}  // namespace cafe::service
