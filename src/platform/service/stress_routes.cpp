#include "platform/service/stress_routes.h"

#include "platform/http/service.h"
#include "platform/json/body.h"

#include <boost/asio/this_coro.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cafe::service {

namespace asio = boost::asio;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kBodyLimit = 4096;

boost::json::object to_json(const StressProgress& p) {
  boost::json::object out{
      {"scenario", p.scenario},     {"state", to_string(p.state)},  {"duration_seconds", p.duration_seconds},
      {"target_cpu", p.target_cpu}, {"threads", p.threads},         {"elapsed_seconds", p.elapsed_seconds},
      {"iterations", p.iterations}, {"cpu_seconds", p.cpu_seconds},
  };
  // The share of the run's threads it actually used, to compare with target_cpu.
  if (p.elapsed_seconds > 0 && p.threads > 0) {
    out["cpu_percent"] = 100.0 * p.cpu_seconds / (p.elapsed_seconds * p.threads);
  }
  if (!p.started_at.empty()) out["started_at"] = p.started_at;
  if (!p.detail.empty()) out["detail"] = p.detail;
  return out;
}

Response progress_response(int status, const StressProgress& p) {
  return Response::json(status, boost::json::serialize(to_json(p)));
}

std::string name_of(const Request& req) {
  return std::string(req.params.get("name").value_or(""));
}

}  // namespace

Result<StressRequest> parse_stress_request(std::string_view body, const StressScenario& scenario) {
  StressRequest request{.duration_seconds = scenario.default_duration_seconds,
                        .target_cpu = scenario.default_target_cpu};
  const auto blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank) return request;
  auto doc = json::parse(body, {.max_depth = 4, .max_bytes = kBodyLimit});
  if (!doc) return doc.error();
  std::vector<FieldError> errors;
  json::ObjectReader r(*doc, "", errors);
  const auto duration = r.integer("duration_seconds", {.min = 1, .max = StressRunner::kMaxDurationSeconds});
  const auto target = r.integer("target_cpu", {.min = 1, .max = 100});
  r.reject_unknown();
  if (auto ok = json::to_result(std::move(errors), "stress request"); !ok) return ok.error();
  if (duration) request.duration_seconds = static_cast<int>(*duration);
  if (target) request.target_cpu = static_cast<int>(*target);
  return request;
}

Result<void> add_stress_routes(http::Router& router, StressRunner& runner) {
  const http::RouteOptions admin_read{.access = http::Access::kAdmin, .body_limit = 0};
  const http::RouteOptions admin_write{.access = http::Access::kAdmin, .body_limit = kBodyLimit};

  auto list = [&runner](Request&) -> asio::awaitable<Response> {
    boost::json::array scenarios;
    for (const auto* s : runner.scenarios()) {
      scenarios.push_back(boost::json::object{{"name", s->name},
                                              {"description", s->description},
                                              {"default_duration_seconds", s->default_duration_seconds},
                                              {"default_target_cpu", s->default_target_cpu}});
    }
    co_return Response::json(200, boost::json::serialize(boost::json::object{
                                      {"scenarios", std::move(scenarios)}, {"threads", runner.threads()}}));
  };

  // Starts `name`; the progress, or the problem.
  auto begin = [&runner](Request& req, std::string name) -> asio::awaitable<Result<StressProgress>> {
    const StressScenario* scenario = runner.find(name);
    if (!scenario) co_return Error::not_found("no stress scenario '" + name + "'");
    auto request = parse_stress_request(req.body, *scenario);
    if (!request) co_return request.error();
    auto executor = co_await asio::this_coro::executor;
    co_return runner.start(name, *request, executor);
  };

  auto start = [begin](Request& req) -> asio::awaitable<Response> {
    const std::string name = name_of(req);
    auto started = co_await begin(req, name);
    if (!started) co_return http::problem_for(req, started.error());
    Response resp = progress_response(202, *started);
    resp.headers.set("Location", "/admin/stress/" + name);
    co_return resp;
  };

  auto get = [&runner](Request& req) -> asio::awaitable<Response> {
    auto progress = runner.progress(name_of(req));
    if (!progress) co_return http::problem_for(req, progress.error());
    co_return progress_response(200, *progress);
  };

  auto stop = [&runner](Request& req) -> asio::awaitable<Response> {
    auto progress = runner.stop(name_of(req));
    if (!progress) co_return http::problem_for(req, progress.error());
    co_return progress_response(200, *progress);
  };

  if (auto r = router.add(http::Method::kGet, "/admin/stress", list, admin_read); !r) return r;
  if (auto r = router.add(http::Method::kPost, "/admin/stress/{name}", start, admin_write); !r) return r;
  if (auto r = router.add(http::Method::kGet, "/admin/stress/{name}", get, admin_read); !r) return r;
  if (auto r = router.add(http::Method::kDelete, "/admin/stress/{name}", stop, admin_read); !r) return r;

  for (const auto* scenario : runner.scenarios()) {
    if (scenario->compat_path.empty()) continue;
    const std::string name = scenario->name;
    const std::string compat_name = scenario->compat_name.empty() ? name : scenario->compat_name;
    auto compat = [begin, name, compat_name](Request& req) -> asio::awaitable<Response> {
      auto started = co_await begin(req, name);
      if (!started) co_return http::problem_for(req, started.error());
      Response resp = Response::json(200, boost::json::serialize(boost::json::object{
                                              {"status", "stress_started"},
                                              {"scenario", compat_name},
                                              {"duration_seconds", started->duration_seconds},
                                              {"target_cpu", started->target_cpu},
                                              {"progress", "/admin/stress/" + name},
                                          }));
      co_return resp;
    };
    for (const std::string_view prefix : {"", "/api"}) {
      if (auto r = router.add(http::Method::kPost, std::string(prefix) + scenario->compat_path, compat,
                              admin_write);
          !r) {
        return r;
      }
    }
  }
  return {};
}

}  // namespace cafe::service
