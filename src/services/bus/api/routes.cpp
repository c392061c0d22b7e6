#include "services/bus/api/routes.h"

#include "platform/bus/admin_routes.h"
#include "platform/bus/bus.h"
#include "platform/bus/wire.h"
#include "platform/http/service.h"

namespace cafe::bus::api {

namespace asio = boost::asio;
using http::Method;
using http::Request;
using http::Response;

namespace {

const http::RouteOptions kData{.access = http::Access::kPublic, .body_limit = wire::kMaxRequestBytes};

std::string param(const Request& req, std::string_view name) {
  auto v = req.params.get(name);
  return v ? std::string(*v) : std::string();
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

  // Operating it (token): the same admin routes every service with a bus serves.
  return add_admin_routes(router, bus);
}

}  // namespace cafe::bus::api
