#include "platform/bus/admin_routes.h"

#include "platform/bus/bus.h"
#include "platform/bus/wire.h"
#include "platform/http/service.h"

#include <charconv>

namespace cafe::bus {

namespace asio = boost::asio;
using http::Method;
using http::Request;
using http::Response;

namespace {

const http::RouteOptions kAdmin{.access = http::Access::kAdmin, .body_limit = 4096};

std::string param(const Request& req, std::string_view name) {
  auto v = req.params.get(name);
  return v ? std::string(*v) : std::string();
}

Result<std::size_t> limit_param(const Request& req) {
  auto raw = req.query_param("limit");
  if (!raw) return std::size_t{100};
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), n);
  if (ec != std::errc() || ptr != raw->data() + raw->size() || n < 1 || n > kMaxBatch)
    return Error::invalid("limit must be 1 to " + std::to_string(kMaxBatch), {{"limit", "must be 1 to 500"}});
  return n;
}

Response ok_json(std::string body) {
  return Response::json(200, std::move(body));
}

}  // namespace

Result<void> add_admin_routes(http::Router& router, Bus& bus) {
  auto add = [&router](Method m, std::string_view pattern, http::RouteOptions options, http::Handler h) {
    return router.add(m, pattern, std::move(h), options);
  };
  Bus* b = &bus;
  if (auto r = add(Method::kGet, "/admin/bus/queues", kAdmin,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto stats = co_await b->queue_stats(req.deadline);
                     co_return stats ? ok_json(wire::write_queue_stats(*stats))
                                     : http::problem_for(req, stats.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kGet, "/admin/bus/streams", kAdmin,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto stats = co_await b->stream_stats(req.deadline);
                     co_return stats ? ok_json(wire::write_stream_stats(*stats))
                                     : http::problem_for(req, stats.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kGet, "/admin/bus/queues/{queue}/messages", kAdmin,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto limit = limit_param(req);
                     if (!limit) co_return http::problem_for(req, limit.error());
                     auto peeked = co_await b->peek(param(req, "queue"), *limit, req.deadline);
                     co_return peeked ? ok_json(wire::write_deliveries(*peeked))
                                      : http::problem_for(req, peeked.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kGet, "/admin/bus/queues/{queue}/dead-letters", kAdmin,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto limit = limit_param(req);
                     if (!limit) co_return http::problem_for(req, limit.error());
                     auto dead = co_await b->dead_letters(param(req, "queue"), *limit, req.deadline);
                     co_return dead ? ok_json(wire::write_deliveries(*dead))
                                    : http::problem_for(req, dead.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kPost, "/admin/bus/queues/{queue}/redrive", kAdmin,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto limit = wire::read_count("limit", req.body);
                     if (!limit) co_return http::problem_for(req, limit.error());
                     auto moved = co_await b->redrive(param(req, "queue"), *limit, req.deadline);
                     co_return moved ? ok_json(wire::write_count("moved", *moved))
                                     : http::problem_for(req, moved.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kDelete, "/admin/bus/queues/{queue}/messages", kAdmin,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto purged = co_await b->purge(param(req, "queue"), req.deadline);
                     co_return purged ? ok_json(wire::write_count("purged", *purged))
                                      : http::problem_for(req, purged.error());
                   });
      !r)
    return r;
  return {};
}

}  // namespace cafe::bus
