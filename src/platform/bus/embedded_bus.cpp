#include "platform/bus/embedded_bus.h"

#include "platform/bus/validate.h"
#include "platform/bus/wire.h"
#include "platform/json/body.h"
#include "platform/upstream/service_client.h"

#include <boost/json/value.hpp>

#include <atomic>

namespace cafe::bus {
namespace {

namespace asio = boost::asio;
using http::Method;
using std::chrono::milliseconds;

constexpr std::string_view kService = "bus";
// A long poll may take kMaxWait; the call's own budget is the caller's
// deadline, never capped below that.
constexpr milliseconds kLongestCall = kMaxWait + milliseconds(10'000);

// The bus answered with a problem: the same code the engine returned.
Error from_problem(const http::Response& response) {
  std::string detail = "the bus answered " + std::to_string(response.status);
  if (auto parsed = json::parse(response.body, {.max_depth = 8, .max_bytes = std::size_t{64} * 1024})) {
    if (const auto* o = parsed->if_object()) {
      if (const auto* d = o->if_contains("detail"); d && d->is_string()) detail = std::string(d->as_string());
    }
  }
  switch (response.status) {
    case 400:
      return Error::invalid(std::move(detail));
    case 401:
      return Error::make(ErrorCode::kUnauthenticated, std::move(detail));
    case 403:
      return Error::make(ErrorCode::kPermissionDenied, std::move(detail));
    case 404:
      return Error::not_found(std::move(detail));
    case 409:
      return Error::conflict(std::move(detail));
    case 413:
      return Error::make(ErrorCode::kPayloadTooLarge, std::move(detail));
    case 429:
      return Error::make(ErrorCode::kResourceExhausted, std::move(detail));
    case 503:
      return Error::unavailable(std::move(detail));
    case 504:
      return Error::make(ErrorCode::kDeadlineExceeded, std::move(detail));
    default:
      return Error::internal(std::move(detail));
  }
}

class EmbeddedBus final : public Bus {
 public:
  EmbeddedBus(std::unique_ptr<upstream::ServiceClient> client, std::string admin_token)
      : client_(std::move(client)), admin_token_(std::move(admin_token)) {}
  ~EmbeddedBus() override { close(); }

  asio::awaitable<Result<void>> declare_queue(std::string queue, QueueOptions options,
                                              Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    if (auto v = check_queue_options(options); !v) co_return v.error();
    co_return co_await no_content(Method::kPut, "/bus/queues/" + queue, wire::write_queue_options(options),
                                  deadline, true);
  }

  asio::awaitable<Result<void>> declare_stream(std::string stream, StreamOptions options,
                                               Deadline deadline) override {
    if (auto v = check_name("stream", stream); !v) co_return v.error();
    if (auto v = check_stream_options(options); !v) co_return v.error();
    co_return co_await no_content(Method::kPut, "/bus/streams/" + stream, wire::write_stream_options(options),
                                  deadline, true);
  }

  asio::awaitable<Result<void>> send(std::string queue, std::vector<OutgoingMessage> messages,
                                     Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    if (auto v = check_messages(messages); !v) co_return v.error();
    auto answer = co_await call(Method::kPost, "/bus/queues/" + queue + "/messages",
                                wire::write_messages(messages), deadline, false);
    if (!answer) co_return answer.error();
    co_return Result<void>{};
  }

  asio::awaitable<Result<std::vector<QueueMessage>>> receive(std::string queue, ReceiveOptions options,
                                                             Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    if (auto v = check_receive(options); !v) co_return v.error();
    auto answer = co_await call(Method::kPost, "/bus/queues/" + queue + "/receive",
                                wire::write_receive(options), deadline, false);
    if (!answer) co_return answer.error();
    co_return wire::read_deliveries(answer->body);
  }

  asio::awaitable<Result<void>> ack(std::string queue, std::vector<std::string> receipts,
                                    Deadline deadline) override {
    co_return co_await receipts_call(wire::ReceiptsKind::kAck, std::move(queue), {std::move(receipts)},
                                     deadline);
  }

  asio::awaitable<Result<void>> nack(std::string queue, std::vector<std::string> receipts, milliseconds delay,
                                     Deadline deadline) override {
    if (auto v = check_delay(delay); !v) co_return v.error();
    co_return co_await receipts_call(wire::ReceiptsKind::kNack, std::move(queue),
                                     {std::move(receipts), delay, milliseconds(0)}, deadline);
  }

  asio::awaitable<Result<void>> extend(std::string queue, std::vector<std::string> receipts,
                                       milliseconds visibility, Deadline deadline) override {
    if (auto v = check_visibility(visibility); !v) co_return v.error();
    co_return co_await receipts_call(wire::ReceiptsKind::kExtend, std::move(queue),
                                     {std::move(receipts), milliseconds(0), visibility}, deadline);
  }

  asio::awaitable<Result<std::vector<QueueMessage>>> peek(std::string queue, std::size_t limit,
                                                          Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    limit = std::clamp<std::size_t>(limit, 1, kMaxBatch);
    auto answer =
        co_await call(Method::kGet, "/admin/bus/queues/" + queue + "/messages?limit=" + std::to_string(limit),
                      {}, deadline, true, true);
    if (!answer) co_return answer.error();
    co_return wire::read_deliveries(answer->body);
  }

  asio::awaitable<Result<std::vector<QueueMessage>>> dead_letters(std::string queue, std::size_t limit,
                                                                  Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    limit = std::clamp<std::size_t>(limit, 1, kMaxBatch);
    auto answer = co_await call(Method::kGet,
                                "/admin/bus/queues/" + queue + "/dead-letters?limit=" + std::to_string(limit),
                                {}, deadline, true, true);
    if (!answer) co_return answer.error();
    co_return wire::read_deliveries(answer->body);
  }

  asio::awaitable<Result<std::size_t>> redrive(std::string queue, std::size_t limit,
                                               Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    limit = std::clamp<std::size_t>(limit, 1, kMaxBatch);
    auto answer = co_await call(Method::kPost, "/admin/bus/queues/" + queue + "/redrive",
                                wire::write_count("limit", limit), deadline, false, true);
    if (!answer) co_return answer.error();
    co_return wire::read_count("moved", answer->body);
  }

  asio::awaitable<Result<std::size_t>> purge(std::string queue, Deadline deadline) override {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    auto answer =
        co_await call(Method::kDelete, "/admin/bus/queues/" + queue + "/messages", {}, deadline, true, true);
    if (!answer) co_return answer.error();
    co_return wire::read_count("purged", answer->body);
  }

  asio::awaitable<Result<std::vector<std::uint64_t>>> append(std::string stream,
                                                             std::vector<StreamEntry> entries,
                                                             Deadline deadline) override {
    if (auto v = check_name("stream", stream); !v) co_return v.error();
    if (auto v = check_entries(entries); !v) co_return v.error();
    auto answer = co_await call(Method::kPost, "/bus/streams/" + stream + "/records",
                                wire::write_entries(entries), deadline, false);
    if (!answer) co_return answer.error();
    auto offsets = wire::read_offsets(answer->body);
    if (offsets && offsets->size() != entries.size())
      co_return Error::internal("the bus answered " + std::to_string(offsets->size()) + " offsets for " +
                                std::to_string(entries.size()) + " records");
    co_return offsets;
  }

  asio::awaitable<Result<std::vector<StreamRecord>>> read(std::string stream, StreamPosition from,
                                                          ReadOptions options, Deadline deadline) override {
    if (auto v = check_name("stream", stream); !v) co_return v.error();
    if (auto v = check_read(from, options); !v) co_return v.error();
    auto answer = co_await call(Method::kPost, "/bus/streams/" + stream + "/read",
                                wire::write_read(from, options), deadline, true);
    if (!answer) co_return answer.error();
    co_return wire::read_records(answer->body);
  }

  asio::awaitable<Result<void>> commit(std::string stream, std::string group, std::uint64_t offset,
                                       Deadline deadline) override {
    if (auto v = check_name("stream", stream); !v) co_return v.error();
    if (auto v = check_name("group", group); !v) co_return v.error();
    co_return co_await no_content(Method::kPut, "/bus/streams/" + stream + "/groups/" + group,
                                  wire::write_offset(offset), deadline, true);
  }

  asio::awaitable<Result<std::optional<std::uint64_t>>> committed(std::string stream, std::string group,
                                                                  Deadline deadline) override {
    if (auto v = check_name("stream", stream); !v) co_return v.error();
    if (auto v = check_name("group", group); !v) co_return v.error();
    auto answer =
        co_await call(Method::kGet, "/bus/streams/" + stream + "/groups/" + group, {}, deadline, true);
    if (!answer) co_return answer.error();
    co_return wire::read_offset(answer->body, true);
  }

  asio::awaitable<Result<std::vector<QueueStats>>> queue_stats(Deadline deadline) override {
    auto answer = co_await call(Method::kGet, "/admin/bus/queues", {}, deadline, true, true);
    if (!answer) co_return answer.error();
    co_return wire::read_queue_stats(answer->body);
  }

  asio::awaitable<Result<std::vector<StreamStats>>> stream_stats(Deadline deadline) override {
    auto answer = co_await call(Method::kGet, "/admin/bus/streams", {}, deadline, true, true);
    if (!answer) co_return answer.error();
    co_return wire::read_stream_stats(answer->body);
  }

  std::string_view backend() const noexcept override { return "embedded"; }

  void close() override {
    if (closed_.exchange(true)) return;
    client_->stop();
    client_->close_all();
  }

 private:
  asio::awaitable<Result<void>> receipts_call(wire::ReceiptsKind kind, std::string queue,
                                              wire::ReceiptsCall call_args, Deadline deadline) {
    if (auto v = check_name("queue", queue); !v) co_return v.error();
    if (auto v = check_receipts(call_args.receipts); !v) co_return v.error();
    const char* verb = kind == wire::ReceiptsKind::kAck    ? "/ack"
                       : kind == wire::ReceiptsKind::kNack ? "/nack"
                                                           : "/extend";
    co_return co_await no_content(Method::kPost, "/bus/queues/" + queue + verb,
                                  wire::write_receipts(kind, call_args), deadline, true);
  }

  asio::awaitable<Result<void>> no_content(Method method, std::string target, std::string body,
                                           Deadline deadline, bool idempotent) {
    auto answer = co_await call(method, std::move(target), std::move(body), deadline, idempotent);
    if (!answer) co_return answer.error();
    co_return Result<void>{};
  }

  asio::awaitable<Result<http::Response>> call(Method method, std::string target, std::string body,
                                               Deadline deadline, bool idempotent, bool admin = false) {
    if (closed_.load()) co_return Error::unavailable("the bus client is closed");
    http::Request request;
    request.method = method;
    request.target = std::move(target);
    if (!body.empty()) {
      request.headers.set("Content-Type", "application/json");
      request.body = std::move(body);
    }
    if (admin && !admin_token_.empty()) request.headers.set("Authorization", "Bearer " + admin_token_);
    upstream::CallContext context{
        .deadline = deadline, .request_id = {}, .trace_id = {}, .span_id = {}, .idempotent = idempotent};
    auto answer = co_await client_->call(std::string(kService), std::move(request), context);
    if (!answer) co_return answer.error();
    if (answer->status >= 300) co_return from_problem(*answer);
    co_return std::move(*answer);
  }

  std::unique_ptr<upstream::ServiceClient> client_;
  std::string admin_token_;
  std::atomic<bool> closed_{false};
};

}  // namespace

Result<std::unique_ptr<Bus>> open_embedded_bus(const EmbeddedBusOptions& options) {
  if (options.addresses.empty())
    return Error::invalid("the embedded bus needs the address of the bus process");
  upstream::ServiceClientOptions client;
  client.caller = options.caller;
  client.services = {{std::string(kService), options.addresses}};
  client.connect_timeout = options.connect_timeout;
  client.default_budget = kLongestCall;
  client.max_connections_per_target = options.max_connections;
  // One bus process: a second attempt is only ever for a call the first
  // never delivered, and it gets the whole remaining budget.
  client.policy.per_try_share = 1.0;
  auto made = upstream::ServiceClient::create(std::move(client), options.metrics);
  if (!made) return made.error();
  return std::unique_ptr<Bus>(new EmbeddedBus(std::move(*made), options.admin_token));
}

}  // namespace cafe::bus
