// What `serve` needs from each service: its routes, its readiness and its
// background loops. The platform does the rest (pipeline, server, signals).
#pragma once

#include "platform/core/error.h"
#include "platform/http/router.h"
#include "platform/http/server.h"

#include <boost/json/fwd.hpp>

namespace cafe::app {

class ServiceApp {
 public:
  virtual ~ServiceApp() = default;
  virtual Result<void> add_routes(http::Router& router) = 0;
  // /health/ready; an optional dependency (a cache) must not count.
  virtual bool ready() const = 0;
  // Spawns background loops on the server's executors (after listen()).
  virtual void start(http::Server& server) = 0;
  // Ends them; called when a graceful shutdown begins. Idempotent.
  virtual void stop() = 0;
  // Detail for GET /health beyond status, service and replica.
  virtual void describe_health(boost::json::object& /*out*/) const {}
};

}  // namespace cafe::app
