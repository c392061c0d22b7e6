// Routes requests to handlers by method and path template. Authorisation
// and body limits are properties of each route, declared where the route is
// added, so a route cannot be served without them.
#pragma once

#include "platform/core/error.h"
#include "platform/http/message.h"
#include "platform/http/path_matcher.h"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cafe::http {

// A request handler. The request lives in the connection's coroutine frame
// for the whole call, so the reference stays valid across co_await.
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

enum class Access : std::uint8_t { kPublic, kAdmin };

inline constexpr std::size_t kDefaultBodyLimit = 1u << 20;

struct RouteOptions {
  Access access = Access::kPublic;
  std::size_t body_limit = kDefaultBodyLimit;
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  // Opaque per-route state that middleware binds once (metrics handles).
  std::shared_ptr<void> metrics;
};

class Router {
 public:
  // Rejects malformed templates and a second route for one method+template.
  Result<void> add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    Route* route = nullptr;
    PathParams params;
    std::string allow;  // for 405: "GET, HEAD, POST"
  };
  // HEAD falls back to GET.
  Match match(Method method, std::string_view normalized_path);

  // Every route, for binding metrics once at start-up.
  std::vector<Route*> routes();

 private:
  PathMatcher matcher_;
  std::vector<std::map<Method, std::unique_ptr<Route>>> by_template_;
};

}  // namespace cafe::http
