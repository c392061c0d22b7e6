// The gateway's routes: every route-table template (and its bare form)
// forwarded to its group, and the target admin API that discovery and
// operators use:
//   GET    /admin/targets                   every group and target with its state
//   POST   /admin/targets/{group}           {"address": "host:port"} adds a target
//   DELETE /admin/targets/{group}/{address} drains it; it leaves once idle
#include "platform/http/problem.h"
#include "platform/http/service.h"
#include "platform/json/body.h"
#include "services/gateway/gateway.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cafe::gateway {

namespace asio = boost::asio;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kAdminBodyLimit = 1024;

boost::json::object describe(const upstream::Target& t, upstream::Clock::time_point now) {
  return {{"address", t.name()},       {"healthy", t.healthy()},          {"draining", t.draining()},
          {"ejected", t.ejected(now)}, {"in_rotation", t.available(now)}, {"in_flight", t.outstanding()}};
}

Result<std::string> address_from(const std::string& body) {
  auto parsed = json::parse(body, {.max_depth = 4, .max_bytes = kAdminBodyLimit});
  if (!parsed) return parsed.error();
  std::vector<FieldError> errors;
  json::ObjectReader reader(*parsed, "", errors);
  auto address = reader.string("address", {.required = true, .min_length = 3, .max_length = 300});
  reader.reject_unknown();
  if (!errors.empty()) return json::to_result(std::move(errors), "target").error();
  return *address;
}

}  // namespace

Result<void> Gateway::add_routes(http::Router& router) {
  constexpr http::Method kMethods[] = {http::Method::kGet,    http::Method::kHead,  http::Method::kPost,
                                       http::Method::kPut,    http::Method::kPatch, http::Method::kDelete,
                                       http::Method::kOptions};
  const http::RouteOptions proxied{.access = http::Access::kPublic, .body_limit = options_.max_body_bytes};
  for (const auto& route : options_.routes) {
    upstream::TargetGroup* target_group = group(route.group);
    auto handler = [this, target_group, keys = route.idempotency_keys](Request& req) {
      return forward(req, *target_group, keys);
    };
    const std::string bare = route.path.substr(4);  // "/api/menu/**" -> "/menu/**"
    for (const auto& path : {route.path, bare}) {
      for (const auto method : kMethods) {
        if (auto added = router.add(method, path, handler, proxied); !added) return added;
      }
    }
  }

  const http::RouteOptions admin_read{.access = http::Access::kAdmin, .body_limit = 0};
  const http::RouteOptions admin_write{.access = http::Access::kAdmin, .body_limit = kAdminBodyLimit};
  auto list = [this](Request&) -> asio::awaitable<Response> {
    const auto now = upstream::Clock::now();
    boost::json::array groups;
    for (const auto& g : groups_) {
      boost::json::array targets;
      for (const auto& t : g->snapshot()->targets) targets.push_back(describe(*t, now));
      groups.push_back({{"group", g->name()}, {"targets", std::move(targets)}});
    }
    co_return Response::json(200, boost::json::serialize(boost::json::object{{"groups", std::move(groups)}}));
  };
  auto add = [this](Request& req) -> asio::awaitable<Response> {
    auto address = address_from(req.body);
    if (!address) co_return http::problem_for(req, address.error());
    auto added = add_target(req.params.get("group").value_or(""), *address);
    if (!added) co_return http::problem_for(req, added.error());
    co_return Response::json(201, boost::json::serialize(describe(**added, upstream::Clock::now())));
  };
  auto drain = [this](Request& req) -> asio::awaitable<Response> {
    auto drained = drain_target(req.params.get("group").value_or(""), req.params.get("address").value_or(""));
    if (!drained) co_return http::problem_for(req, drained.error());
    co_return Response::json(202, boost::json::serialize(describe(**drained, upstream::Clock::now())));
  };
  if (auto r = router.add(http::Method::kGet, "/admin/targets", list, admin_read); !r) return r;
  if (auto r = router.add(http::Method::kPost, "/admin/targets/{group}", add, admin_write); !r) return r;
  if (auto r = router.add(http::Method::kDelete, "/admin/targets/{group}/{address}", drain, admin_read); !r) {
    return r;
  }
  return {};
}

}  // namespace cafe::gateway
