#include "platform/http/path_matcher.h"

#include <boost/container/small_vector.hpp>

namespace cafe::http {

struct PathMatcher::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> fixed;
  std::unique_ptr<Node> param;
  std::string param_name;
  std::optional<std::size_t> wildcard_id;  // "**" below this node
  std::optional<std::size_t> id;           // a template ends here
};

PathMatcher::PathMatcher() : root_(std::make_unique<Node>()) {}
PathMatcher::~PathMatcher() = default;
PathMatcher::PathMatcher(PathMatcher&&) noexcept = default;
PathMatcher& PathMatcher::operator=(PathMatcher&&) noexcept = default;

namespace {

// Request paths have a few segments: kept inline, no allocation per match.
using Segments = boost::container::small_vector<std::string_view, 16>;

Segments split(std::string_view path) {
  Segments out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

bool valid_param_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

struct Walk {
  const Segments& segments;
  PathParams params;

  std::optional<std::size_t> visit(const auto& node, std::size_t index) {
    if (index == segments.size()) return node.id ? node.id : node.wildcard_id;
    const std::string_view segment = segments[index];
    if (auto it = node.fixed.find(segment); it != node.fixed.end()) {
      if (auto id = visit(*it->second, index + 1)) return id;
    }
    if (node.param) {
      params.values.emplace_back(std::string_view(node.param->param_name), std::string(segment));
      if (auto id = visit(*node.param, index + 1)) return id;
      params.values.pop_back();
    }
    if (node.wildcard_id) return node.wildcard_id;
    return std::nullopt;
  }
};

}  // namespace

Result<std::size_t> PathMatcher::add(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    return Error::invalid("route template must start with '/': " + std::string(pattern));
  }
  const auto segments = split(pattern);
  Node* node = root_.get();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string_view segment = segments[i];
    if (segment == "**") {
      if (i + 1 != segments.size()) {
        return Error::invalid("'**' must be the last segment: " + std::string(pattern));
      }
      if (!node->wildcard_id) node->wildcard_id = patterns_++;
      return *node->wildcard_id;
    }
    if (segment.front() == '{') {
      if (segment.back() != '}' || !valid_param_name(segment.substr(1, segment.size() - 2))) {
        return Error::invalid("malformed parameter '" + std::string(segment) + "' in " +
                              std::string(pattern));
      }
      const std::string name(segment.substr(1, segment.size() - 2));
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param->param_name = name;
      } else if (node->param->param_name != name) {
        return Error::invalid("parameter {" + name + "} conflicts with {" + node->param->param_name +
                              "} in " + std::string(pattern));
      }
      node = node->param.get();
      continue;
    }
    if (segment.find_first_of("{}*") != std::string_view::npos) {
      return Error::invalid("unexpected '{', '}' or '*' in segment '" + std::string(segment) + "'");
    }
    auto& child = node->fixed[std::string(segment)];
    if (!child) child = std::make_unique<Node>();
    node = child.get();
  }
  if (!node->id) node->id = patterns_++;
  return *node->id;
}

std::optional<PathMatcher::Found> PathMatcher::match(std::string_view normalized_path) const {
  const auto segments = split(normalized_path);
  Walk walk{segments, {}};
  if (auto id = walk.visit(*root_, 0)) return Found{*id, std::move(walk.params)};
  return std::nullopt;
}

}  // namespace cafe::http
