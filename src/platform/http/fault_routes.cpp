#include "platform/http/fault_routes.h"

#include "platform/http/service.h"
#include "platform/json/body.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cafe::http {

namespace asio = boost::asio;

namespace {

boost::json::object to_json(const faults::Fault& f) {
  const auto expires = std::chrono::duration_cast<std::chrono::milliseconds>(f.expires_at.time_since_epoch());
  return {{"id", f.id},
          {"kind", faults::to_string(f.kind)},
          {"target", f.target},
          {"probability", f.probability},
          {"latency_ms", f.latency.count()},
          {"status", f.status},
          {"expires_at_unix_ms", expires.count()}};
}

bool valid_target(std::string_view t) {
  if (t == "route:*") return true;
  if (t.starts_with("route:/")) return true;
  if (t.starts_with("dependency:") && t.size() > 11) return true;
  return false;
}

}  // namespace

Result<faults::Fault> parse_fault_request(std::string_view body, std::chrono::system_clock::time_point now) {
  auto doc = json::parse(body, {.max_depth = 4, .max_bytes = 4096});
  if (!doc) return doc.error();
  std::vector<FieldError> errors;
  json::ObjectReader r(*doc, "", errors);
  faults::Fault f;
  if (auto kind = r.string("kind", {.required = true, .min_length = 1, .max_length = 16})) {
    if (auto k = faults::kind_from_string(*kind)) {
      f.kind = *k;
    } else {
      r.add_error("kind", "must be one of latency, error, timeout, throttle");
    }
  }
  if (auto target = r.string("target", {.required = true, .min_length = 1, .max_length = 256})) {
    if (valid_target(*target)) {
      f.target = *target;
    } else {
      r.add_error("target", "must be route:*, route:/<template> or dependency:<name>");
    }
  }
  const auto duration = r.integer("duration_seconds", {.required = true, .min = 1, .max = 3600});
  if (r.present("probability")) {
    // Accept 1 as well as 0.25: the reader for integers would refuse 0.25.
    r.ignore("probability");
    const auto& p = doc->as_object().at("probability");
    if (p.is_number() && p.to_number<double>() > 0.0 && p.to_number<double>() <= 1.0) {
      f.probability = p.to_number<double>();
    } else {
      r.add_error("probability", "must be a number in (0, 1]");
    }
  }
  const auto latency = r.integer("latency_ms", {.min = 0, .max = 600'000});
  const auto status = r.integer("status", {.min = 400, .max = 599});
  r.reject_unknown();
  if (auto ok = json::to_result(std::move(errors), "fault"); !ok) return ok.error();
  if ((f.kind == faults::Kind::kLatency || f.kind == faults::Kind::kTimeout) && !latency) {
    return Error::invalid("fault has 1 invalid field: latency_ms is required for latency and timeout faults",
                          {{"latency_ms", "is required for latency and timeout faults"}});
  }
  if (latency) f.latency = std::chrono::milliseconds(*latency);
  if (status) f.status = static_cast<int>(*status);
  f.expires_at = now + std::chrono::seconds(*duration);
  return f;
}

Result<void> add_fault_routes(Router& router, faults::Registry& registry) {
  const RouteOptions admin{.access = Access::kAdmin, .body_limit = 4096};
  auto r = router.add(
      Method::kGet, "/admin/faults",
      [&registry](Request&) -> asio::awaitable<Response> {
        boost::json::array list;
        for (const auto& f : registry.list(std::chrono::system_clock::now())) list.push_back(to_json(f));
        co_return Response::json(200,
                                 boost::json::serialize(boost::json::object{{"faults", std::move(list)}}));
      },
      admin);
  if (!r) return r;
  r = router.add(
      Method::kPost, "/admin/faults",
      [&registry](Request& req) -> asio::awaitable<Response> {
        const auto now = std::chrono::system_clock::now();
        auto fault = parse_fault_request(req.body, now);
        if (!fault) co_return problem_for(req, fault.error());
        auto added = registry.add(std::move(*fault), now);
        if (!added) co_return problem_for(req, added.error());
        Response resp = Response::json(201, boost::json::serialize(to_json(*added)));
        resp.headers.add("Location", "/admin/faults/" + added->id);
        co_return resp;
      },
      admin);
  if (!r) return r;
  r = router.add(
      Method::kDelete, "/admin/faults/{fault_id}",
      [&registry](Request& req) -> asio::awaitable<Response> {
        const auto id = req.params.get("fault_id").value_or("");
        if (!registry.remove(id)) co_return problem_for(req, Error::not_found("no fault " + std::string(id)));
        co_return Response::empty(204);
      },
      admin);
  if (!r) return r;
  return router.add(
      Method::kDelete, "/admin/faults",
      [&registry](Request&) -> asio::awaitable<Response> {
        registry.clear();
        co_return Response::empty(204);
      },
      admin);
}

}  // namespace cafe::http
