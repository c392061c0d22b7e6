// The cluster supervisor: runs every registered service as real processes
// (replicas on named nodes), gates each on /health/ready, tells the gateway
// which replicas to route to, restarts what exits (backoff, crash-loop
// detection), and answers the control API the CLI and the chaos runner use.
// It is a service on the kit (its own /health, /metrics and admin auth) that
// is not in the registry: `cloudcafe up` hosts it, `serve` cannot.
//
// Threads: everything — the supervision tick, probes, gateway updates,
// control routes — runs on the one I/O thread, so replica state needs no
// lock. Children are forked from that thread, which lives until every child
// has been stopped: their parent-death signal is tied to it.
#pragma once

#include "cluster/cluster_config.h"
#include "cluster/data_dir.h"
#include "cluster/replica.h"
#include "platform/service/definition.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json/fwd.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace cafe::http_client {
class Client;
}

namespace cafe::cluster {

struct SupervisorOptions {
  DataDir dir{"var"};
  std::string binary;       // what replicas run: this executable
  std::string config_path;  // passed to every replica (absolute), or empty
  ClusterConfig config;
  const service::Registry* registry = nullptr;
  std::string admin_token;
  std::string stack = "embedded";  // embedded | real
  // Extra environment for a service's replicas (the real stack's
  // endpoints); called once per service at start-up.
  std::function<Result<std::vector<std::string>>(const service::Definition&)> stack_env;
  // Called on the I/O thread whenever the set of running replicas changes
  // (the Prometheus discovery file).
  std::function<void(const std::vector<const Replica*>&)> replicas_changed;
};

class Supervisor final : public service::Service {
 public:
  Supervisor(service::ServiceContext& context, SupervisorOptions options);
  ~Supervisor() override;

  Result<void> add_routes(http::Router& router) override;
  // Once the first start has settled (every replica ready, or the start failed).
  bool ready() const override { return first_start_done_; }
  Result<void> start(service::ServiceContext& context) override;
  void close_clients() override;

  // From any thread but the I/O thread. Blocks until the first start has
  // settled: an empty string when every replica became ready, else why not.
  std::string wait_first_start(Deadline deadline);
  // From any thread but the I/O thread: stops every replica (the gateway
  // first, then the services, the bus last), each SIGTERMed and SIGKILLed
  // past cluster.stop_timeout. After it nothing restarts.
  void stop_all();
  // The status table, rendered for a terminal (from any thread but the I/O thread).
  std::string status_text();
  std::string gateway_address() const { return gateway_address_; }

  // The control API's operations (I/O thread). kNotFound for an unknown
  // replica/service/node; kFailedPrecondition when the cluster is stopping.
  Result<void> signal(const std::string& replica, int signal);
  Result<void> terminate(const std::string& replica);
  Result<void> pause(const std::string& replica);
  Result<void> resume(const std::string& replica);
  Result<void> restart(const std::string& replica);
  Result<void> scale(const std::string& service, int replicas);
  Result<void> drain_node(const std::string& node);
  Result<void> uncordon_node(const std::string& node);
  boost::json::object describe() const;

 private:
  using Clock = Replica::Clock;
  boost::asio::awaitable<void> tick();
  void reap();
  void on_exit(Replica& r, int status);
  void step(Replica& r, Clock::time_point now);
  void advance_first_start(Clock::time_point now);
  Result<void> launch(Replica& r);
  Replica& add_replica(const std::string& service, const std::string& node, int index = 0);
  void begin_stop(Replica& r, bool retire, bool restart_after);
  boost::asio::awaitable<void> stop_replica(Replica* r);
  boost::asio::awaitable<void> probe(Replica* r);
  boost::asio::awaitable<void> sync_gateways();
  bool routes_current(Clock::time_point now) const;
  boost::asio::awaitable<void> unroute(Replica* r);
  boost::asio::awaitable<void> scrape();
  boost::asio::awaitable<void> stop_everything();
  void rotate_logs();
  void changed();
  Replica* find(const std::string& name);
  // The replica an operator action names, unless the cluster is stopping.
  Result<Replica*> operable(const std::string& name);
  bool room_for_replicas(std::size_t more) const;
  std::uint16_t allocate_port(const ServicePlacement& placement, int index);
  std::vector<std::string> environment_for(const service::Definition& d) const;
  int rank_of(const std::string& service) const;
  bool placed_on_nodes(const std::string& service) const;

  service::ServiceContext& context_;
  SupervisorOptions options_;
  std::vector<ServicePlacement> placements_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::set<std::string> cordoned_;
  std::map<std::string, std::vector<std::string>> stack_env_;  // by service
  std::unique_ptr<http_client::Client> client_;
  std::string gateway_address_;
  std::string bus_address_;

  int started_rank_ = -1;  // the first start goes rank by rank: bus, services, gateway
  std::atomic<bool> first_start_done_{false};
  std::string first_start_failure_;
  Clock::time_point first_start_began_{};
  bool stopping_ = false;
  bool gateway_dirty_ = true;
  bool syncing_ = false;
  bool scraping_ = false;
  Clock::time_point next_sync_{};
  Clock::time_point last_sync_completed_began_{};
  Clock::time_point next_scrape_{};
  Clock::time_point next_rotation_{};
  std::vector<pid_t> written_pids_;
  std::mutex first_start_mutex_;
  std::condition_variable first_start_cv_;
};

// The supervisor's Definition (not in the registry): `make` builds it from
// `options`, which must outlive the host.
service::Definition supervisor_definition(SupervisorOptions& options, Supervisor** created);

}  // namespace cafe::cluster
