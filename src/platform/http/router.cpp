#include "platform/http/router.h"

namespace cafe::http {

Result<void> Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  auto id = matcher_.add(pattern);
  if (!id) return id.error();
  if (*id >= by_template_.size()) by_template_.resize(*id + 1);
  auto& methods = by_template_[*id];
  if (methods.contains(method)) {
    return Error::invalid("duplicate route " + std::string(to_string(method)) + " " + std::string(pattern));
  }
  methods[method] =
      std::make_unique<Route>(Route{method, std::string(pattern), std::move(handler), options, {}});
  return {};
}

Router::Match Router::match(Method method, std::string_view normalized_path) {
  Match result;
  auto found = matcher_.match(normalized_path);
  if (!found) return result;
  auto& methods = by_template_[found->id];
  auto it = methods.find(method);
  if (it == methods.end() && method == Method::kHead) it = methods.find(Method::kGet);
  if (it == methods.end()) {
    result.kind = Match::Kind::kMethodNotAllowed;
    for (const auto& [m, route] : methods) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += to_string(m);
      if (m == Method::kGet) result.allow += ", HEAD";
    }
    return result;
  }
  result.kind = Match::Kind::kFound;
  result.route = it->second.get();
  result.params = std::move(found->params);
  return result;
}

std::vector<Route*> Router::routes() {
  std::vector<Route*> out;
  for (auto& methods : by_template_) {
    for (auto& [m, route] : methods) out.push_back(route.get());
  }
  return out;
}

}  // namespace cafe::http
