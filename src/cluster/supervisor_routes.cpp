// The supervisor's control API (admin token; the supervisor listens on
// loopback only). The CLI and the chaos runner drive the cluster through it:
//   GET  /admin/cluster                                   nodes and replicas with state
//   POST /admin/cluster/replicas/{service}/{index}/kill      {"signal": "KILL"} (default KILL)
//   POST /admin/cluster/replicas/{service}/{index}/terminate drained, SIGTERM, replaced
//   POST /admin/cluster/replicas/{service}/{index}/pause     SIGSTOP
//   POST /admin/cluster/replicas/{service}/{index}/resume    SIGCONT
//   POST /admin/cluster/replicas/{service}/{index}/restart   drained, stopped, started again
//   POST /admin/cluster/services/{service}/scale             {"replicas": N}
//   POST /admin/cluster/nodes/{node}/drain | uncordon
//   POST /admin/cluster/down                                 the whole cluster stops (202)
#include "cluster/supervisor.h"
#include "platform/http/problem.h"
#include "platform/http/router.h"
#include "platform/json/body.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>

namespace cafe::cluster {

namespace asio = boost::asio;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kBodyLimit = 1024;

Response answer(const Request& req, const Result<void>& done, int status = 202) {
  if (!done) return http::problem(done.error(), req.path, req.request_id);
  return Response::json(status, R"({"accepted":true})");
}

// An optional small JSON body; an empty body is an empty object.
Result<boost::json::value> body_of(const Request& req) {
  if (req.body.empty()) return boost::json::value(boost::json::object{});
  return json::parse(req.body, {.max_depth = 4, .max_bytes = kBodyLimit});
}

}  // namespace

Result<void> Supervisor::add_routes(http::Router& router) {
  const http::RouteOptions read{.access = http::Access::kAdmin, .body_limit = 0};
  const http::RouteOptions write{.access = http::Access::kAdmin, .body_limit = kBodyLimit};

  auto list = [this](Request&) -> asio::awaitable<Response> {
    co_return Response::json(200, boost::json::serialize(describe()));
  };
  auto replica_action = [this](Request& req) -> asio::awaitable<Response> {
    const std::string name = std::string(req.params.get("service").value_or("")) + "/" +
                             std::string(req.params.get("index").value_or(""));
    const std::string action(req.params.get("action").value_or(""));
    if (action == "kill") {
      auto body = body_of(req);
      if (!body) co_return http::problem(body.error(), req.path, req.request_id);
      std::vector<FieldError> errors;
      json::ObjectReader reader(*body, "", errors);
      auto signal_text = reader.string("signal", {.required = false, .min_length = 1, .max_length = 16});
      reader.reject_unknown();
      if (!errors.empty())
        co_return http::problem(json::to_result(std::move(errors), "kill").error(), req.path, req.request_id);
      auto number = parse_signal(signal_text.value_or("KILL"));
      if (!number) {
        co_return http::problem(
            Error::invalid("unknown signal '" + *signal_text + "' (use a name like TERM or a number)",
                           {{"signal", "unknown signal"}}),
            req.path, req.request_id);
      }
      co_return answer(req, signal(name, *number));
    }
    if (!req.body.empty()) co_return http::problem(400, action + " takes no body", req.path, req.request_id);
    if (action == "terminate") co_return answer(req, terminate(name));
    if (action == "pause") co_return answer(req, pause(name));
    if (action == "resume") co_return answer(req, resume(name));
    if (action == "restart") co_return answer(req, restart(name));
    co_return http::problem(404,
                            "no replica action '" + action + "' (kill, terminate, pause, resume, restart)",
                            req.path, req.request_id);
  };
  auto scale_service = [this](Request& req) -> asio::awaitable<Response> {
    auto body = json::parse(req.body, {.max_depth = 4, .max_bytes = kBodyLimit});
    if (!body) co_return http::problem(body.error(), req.path, req.request_id);
    std::vector<FieldError> errors;
    json::ObjectReader reader(*body, "", errors);
    auto replicas = reader.integer("replicas", {.required = true, .min = 0, .max = kMaxReplicas});
    reader.reject_unknown();
    if (!errors.empty())
      co_return http::problem(json::to_result(std::move(errors), "scale").error(), req.path, req.request_id);
    co_return answer(req,
                     scale(std::string(req.params.get("service").value_or("")), static_cast<int>(*replicas)));
  };
  auto node_action = [this](Request& req) -> asio::awaitable<Response> {
    const std::string node(req.params.get("node").value_or(""));
    const std::string action(req.params.get("action").value_or(""));
    if (action == "drain") co_return answer(req, drain_node(node));
    if (action == "uncordon") co_return answer(req, uncordon_node(node));
    co_return http::problem(404, "no node action '" + action + "' (drain, uncordon)", req.path,
                            req.request_id);
  };
  auto down = [](Request&) -> asio::awaitable<Response> {
    // The process's own termination path: `up` stops every replica in
    // order, then the supervisor.
    ::kill(::getpid(), SIGTERM);
    co_return Response::json(202, R"({"stopping":true})");
  };

  if (auto r = router.add(http::Method::kGet, "/admin/cluster", list, read); !r) return r;
  if (auto r = router.add(http::Method::kPost, "/admin/cluster/replicas/{service}/{index}/{action}",
                          replica_action, write);
      !r)
    return r;
  if (auto r =
          router.add(http::Method::kPost, "/admin/cluster/services/{service}/scale", scale_service, write);
      !r)
    return r;
  if (auto r = router.add(http::Method::kPost, "/admin/cluster/nodes/{node}/{action}", node_action, read); !r)
    return r;
  if (auto r = router.add(http::Method::kPost, "/admin/cluster/down", down, read); !r) return r;
  return {};
}

}  // namespace cafe::cluster
