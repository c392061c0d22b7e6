// Matches normalised paths against route templates: fixed segments
// ("/api/menu"), parameters ("{item_id}") and a trailing wildcard ("**",
// zero or more remaining segments). The most specific template wins: at each
// segment a fixed match beats a parameter, which beats a wildcard, with
// backtracking, so "/api/stores/{id}/queue" beats "/api/stores/**" and
// "/api/loyalty/stats/tiers" beats "/api/loyalty/{customer_id}".
// Shared by the router and the gateway's route table.
#pragma once

#include "platform/core/error.h"
#include "platform/http/message.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::http {

class PathMatcher {
 public:
  PathMatcher();
  ~PathMatcher();
  PathMatcher(PathMatcher&&) noexcept;
  PathMatcher& operator=(PathMatcher&&) noexcept;

  // Adds a template and returns its id; adding the same template again
  // returns the same id. Rejects malformed templates and two parameter names
  // at one position ("/a/{x}" and "/a/{y}").
  Result<std::size_t> add(std::string_view pattern);

  struct Found {
    std::size_t id;
    PathParams params;  // parameter names view into the matcher: keep it alive
  };
  std::optional<Found> match(std::string_view normalized_path) const;

  std::size_t size() const noexcept { return patterns_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::size_t patterns_ = 0;
};

}  // namespace cafe::http
