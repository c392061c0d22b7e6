// Fuzzes the request pipeline with raw HTTP/1.1 bytes: the request line and
// headers are split here (simply: the server's Beast parser is not under
// test), then HttpService::admit() validates identity, target, path and
// auth, and an admitted request runs through handle(). No admin token is
// configured, so the fuzzer cannot add faults (a latency fault would stall
// later inputs); admin routes must therefore always be refused.
#include "platform/http/service.h"
#include "platform/telemetry/metrics.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace asio = boost::asio;
using namespace cafe::http;

void check(bool ok) {
  if (!ok) std::abort();
}

struct Pipeline {
  Router router;
  cafe::telemetry::Metrics metrics{"fuzz"};
  cafe::faults::Registry faults;
  HttpService service{ServiceOptions{.service = "fuzz",
                                     .replica = "fuzz-1",
                                     .admin_token = std::nullopt,
                                     .access_log = false,
                                     .ready = {}},
                      router, metrics, faults};

  Pipeline() {
    auto echo = [](Request& req) -> asio::awaitable<Response> {
      std::string body = req.route;
      for (const auto& [name, value] : req.params.values) body += " " + std::string(name) + "=" + value;
      co_return Response::text(200, std::move(body));
    };
    bool ok = router.add(Method::kGet, "/api/menu", echo).has_value() &&
              router.add(Method::kGet, "/api/menu/items/{item_id}", echo).has_value() &&
              router.add(Method::kPost, "/api/menu/items", echo, {.access = Access::kAdmin}).has_value() &&
              router.add(Method::kGet, "/api/stores/**", echo).has_value() &&
              router.add(Method::kPost, "/api/orders", echo, {.body_limit = 4096}).has_value() &&
              service.seal().has_value();
    if (!ok) std::abort();
  }
};

Pipeline& pipeline() {
  static Pipeline p;
  return p;
}

std::string_view next_line(std::string_view& rest) {
  const auto end = rest.find("\r\n");
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
  return line;
}

// Splits "METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\nbody".
std::optional<Request> parse_request(std::string_view raw) {
  Request req;
  const std::string_view start = next_line(raw);
  const auto sp1 = start.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  const auto sp2 = start.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || start.substr(sp2 + 1) != "HTTP/1.1") return std::nullopt;
  req.method_text = std::string(start.substr(0, sp1));
  req.method = method_from_string(req.method_text);
  req.target = std::string(start.substr(sp1 + 1, sp2 - sp1 - 1));
  for (int i = 0; i < 64 && !raw.empty(); ++i) {
    const std::string_view line = next_line(raw);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    req.headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  req.body = std::string(raw);
  req.remote_address = "127.0.0.1";
  req.received_at = std::chrono::steady_clock::now();
  return req;
}

void check_answer(const Request& req, const Response& r) {
  check(r.status >= 200 && r.status <= 599);
  check(!r.abort);
  const auto id = r.headers.get("X-Request-Id");
  check(id.has_value() && *id == req.request_id);
  check(!req.request_id.empty() && req.request_id.size() <= 128);
  // Never a 500 for bad input: only a handler bug could cause one.
  check(r.status != 500);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto req = parse_request(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!req) return 0;
  Pipeline& p = pipeline();
  std::string body = std::move(req->body);
  Admission admission = p.service.admit(*req);
  if (admission.reject) {
    check(admission.reject->status >= 400);
    check_answer(*req, *admission.reject);
    return 0;
  }
  check(req->matched != nullptr);
  check(req->matched->options.access == Access::kPublic);
  check(!req->path.empty() && req->path.front() == '/');
  if (body.size() > admission.body_limit) return 0;  // the server answers 413 itself
  req->body = std::move(body);

  asio::io_context io;
  std::optional<Response> out;
  asio::co_spawn(io, p.service.handle(*req), [&](std::exception_ptr e, Response r) {
    if (e) std::abort();
    out = std::move(r);
  });
  io.run();
  check(out.has_value());
  check_answer(*req, *out);
  return 0;
}
