#include "services/bus/api/routes.h"

#include "platform/bus/bus.h"
#include "platform/bus/wire.h"
#include "platform/http/service.h"

#include <charconv>

namespace cafe::bus::api {

namespace asio = boost::asio;
using http::Method;
using http::Request;
using http::Response;

namespace {

const http::RouteOptions kData{.access = http::Access::kPublic, .body_limit = wire::kMaxRequestBytes};
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

Result<void> add_routes(http::Router& router, Bus& bus) {
  auto add = [&router](Method m, std::string_view pattern, http::RouteOptions options, http::Handler h) {
    return router.add(m, pattern, std::move(h), options);
  };
  Bus* b = &bus;

  if (auto r = add(Method::kPut, "/bus/queues/{queue}", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto options = wire::read_queue_options(req.body);
                     if (!options) co_return http::problem_for(req, options.error());
                     auto done = co_await b->declare_queue(param(req, "queue"), *options, req.deadline);
                     co_return done ? Response::empty(204) : http::problem_for(req, done.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kPut, "/bus/streams/{stream}", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto options = wire::read_stream_options(req.body);
                     if (!options) co_return http::problem_for(req, options.error());
                     auto done = co_await b->declare_stream(param(req, "stream"), *options, req.deadline);
                     co_return done ? Response::empty(204) : http::problem_for(req, done.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kPost, "/bus/queues/{queue}/messages", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto messages = wire::read_messages(req.body);
                     if (!messages) co_return http::problem_for(req, messages.error());
                     const std::size_t n = messages->size();
                     auto done = co_await b->send(param(req, "queue"), std::move(*messages), req.deadline);
                     co_return done ? ok_json(wire::write_count("sent", n))
                                    : http::problem_for(req, done.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kPost, "/bus/queues/{queue}/receive", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto options = wire::read_receive(req.body);
                     if (!options) co_return http::problem_for(req, options.error());
                     auto got = co_await b->receive(param(req, "queue"), *options, req.deadline);
                     co_return got ? ok_json(wire::write_deliveries(*got))
                                   : http::problem_for(req, got.error());
                   });
      !r)
    return r;
  const std::pair<std::string_view, wire::ReceiptsKind> receipt_routes[] = {
      {"/bus/queues/{queue}/ack", wire::ReceiptsKind::kAck},
      {"/bus/queues/{queue}/nack", wire::ReceiptsKind::kNack},
      {"/bus/queues/{queue}/extend", wire::ReceiptsKind::kExtend},
  };
  for (const auto& [pattern, kind] : receipt_routes) {
    if (auto r = add(Method::kPost, pattern, kData,
                     [b, kind](Request& req) -> asio::awaitable<Response> {
                       auto call = wire::read_receipts(kind, req.body);
                       if (!call) co_return http::problem_for(req, call.error());
                       std::string queue = param(req, "queue");
                       Result<void> done;
                       switch (kind) {
                         case wire::ReceiptsKind::kAck:
                           done = co_await b->ack(std::move(queue), std::move(call->receipts), req.deadline);
                           break;
                         case wire::ReceiptsKind::kNack:
                           done = co_await b->nack(std::move(queue), std::move(call->receipts), call->delay,
                                                   req.deadline);
                           break;
                         case wire::ReceiptsKind::kExtend:
                           done = co_await b->extend(std::move(queue), std::move(call->receipts),
                                                     call->visibility, req.deadline);
                           break;
                       }
                       co_return done ? Response::empty(204) : http::problem_for(req, done.error());
                     });
        !r)
      return r;
  }
  if (auto r = add(Method::kPost, "/bus/streams/{stream}/records", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto entries = wire::read_entries(req.body);
                     if (!entries) co_return http::problem_for(req, entries.error());
                     auto offsets =
                         co_await b->append(param(req, "stream"), std::move(*entries), req.deadline);
                     co_return offsets ? ok_json(wire::write_offsets(*offsets))
                                       : http::problem_for(req, offsets.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kPost, "/bus/streams/{stream}/read", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto call = wire::read_read(req.body);
                     if (!call) co_return http::problem_for(req, call.error());
                     auto records = co_await b->read(param(req, "stream"), std::move(call->from),
                                                     call->options, req.deadline);
                     co_return records ? ok_json(wire::write_records(*records))
                                       : http::problem_for(req, records.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kPut, "/bus/streams/{stream}/groups/{group}", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto offset = wire::read_offset(req.body, false);
                     if (!offset) co_return http::problem_for(req, offset.error());
                     auto done = co_await b->commit(param(req, "stream"), param(req, "group"), **offset,
                                                    req.deadline);
                     co_return done ? Response::empty(204) : http::problem_for(req, done.error());
                   });
      !r)
    return r;
  if (auto r = add(Method::kGet, "/bus/streams/{stream}/groups/{group}", kData,
                   [b](Request& req) -> asio::awaitable<Response> {
                     auto offset =
                         co_await b->committed(param(req, "stream"), param(req, "group"), req.deadline);
                     co_return offset ? ok_json(wire::write_offset(*offset))
                                      : http::problem_for(req, offset.error());
                   });
      !r)
    return r;

  // Operating it (token).
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

}  // namespace cafe::bus::api
