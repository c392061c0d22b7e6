#include "cluster/control_client.h"

#include "platform/http_client/client.h"
#include "platform/json/body.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <fstream>

namespace cafe::cluster {

namespace asio = boost::asio;

Result<http::Response> control_call(const DataDir& dir, http::Method method, const std::string& path,
                                    std::string body, std::chrono::milliseconds timeout) {
  if (!cluster_running(dir))
    return Error::not_found("no cluster is running on " + dir.root().string() +
                            " (start one with `cloudcafe up --data-dir " + dir.root().string() + "`)");
  auto state = read_state(dir);
  if (!state) return state.error();
  if (state->control.empty())
    return Error::unavailable("the supervisor on " + dir.root().string() + " is still starting");
  auto target = http_client::Target::parse(state->control);
  if (!target) return Error::invalid("bad control address in " + dir.state_file().string());
  std::ifstream token_in(dir.token_file());
  std::string token;
  std::getline(token_in, token);

  http::Request req;
  req.method = method;
  req.method_text = std::string(http::to_string(method));
  req.target = path;
  req.headers.add("Authorization", "Bearer " + token);
  req.headers.add("User-Agent", "cloudcafe-cli");
  if (!body.empty()) {
    req.headers.add("Content-Type", "application/json");
    req.body = std::move(body);
  }
  asio::io_context io;
  http_client::Client client(io.get_executor(), {.max_attempts = 1, .service = "cli"}, nullptr);
  auto call = [&]() -> asio::awaitable<http_client::Outcome> {
    auto outcome = co_await client.send(*target, req, {.deadline = timeout, .allow_retry = false});
    client.close();
    co_return outcome;
  };
  auto future = asio::co_spawn(io, call(), asio::use_future);
  io.run();
  auto outcome = future.get();
  if (!outcome.ok())
    return Error::unavailable("the supervisor at " + state->control + " did not answer: " + outcome.detail);
  return std::move(outcome.response);
}

std::string problem_detail(const http::Response& response) {
  auto parsed = json::parse(response.body, {.max_depth = 8, .max_bytes = 1 << 20});
  if (parsed && parsed->is_object()) {
    if (const auto* detail = parsed->as_object().if_contains("detail"); detail && detail->is_string())
      return std::string(detail->as_string());
  }
  return response.body;
}

}  // namespace cafe::cluster
