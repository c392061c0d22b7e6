// The gateway's state shared with coroutines that may outlive a call into
// Gateway (probe loops, per-thread clients), and its metric handles.
#pragma once

#include "platform/http_client/client.h"
#include "platform/upstream/target.h"
#include "platform/upstream/target_group.h"
#include "services/gateway/gateway.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace prometheus {
class Counter;
template <typename T>
class Family;
class Gauge;
}  // namespace prometheus

namespace cafe::gateway {

struct Gateway::Shared {
  explicit Shared(prometheus::Registry* registry);

  struct ThreadClient {
    boost::asio::any_io_executor executor;
    std::shared_ptr<http_client::Client> client;
  };

  std::mutex mutex;
  std::unordered_map<std::thread::id, ThreadClient> clients;    // guarded by mutex
  std::shared_ptr<http_client::Client> health_client;           // guarded by mutex
  std::optional<boost::asio::any_io_executor> health_executor;  // guarded by mutex
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  // Timers of the probe loops, touched only on the health executor.
  std::list<boost::asio::steady_timer*> probe_timers;

  void set_healthy(const std::string& group, const upstream::Target& target);
  // The group's targets in rotation now (healthy, not draining, not ejected).
  void set_in_rotation(const upstream::TargetGroup& group);
  void on_ejected(const upstream::Target& target);
  void count_rate_limited();

 private:
  prometheus::Family<prometheus::Gauge>* healthy_ = nullptr;
  prometheus::Family<prometheus::Gauge>* in_rotation_ = nullptr;
  prometheus::Counter* ejections_ = nullptr;
  prometheus::Counter* rate_limited_ = nullptr;
};

}  // namespace cafe::gateway
