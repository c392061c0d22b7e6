#include "platform/config/internal/issues.h"

#include <algorithm>
#include <span>
#include <tuple>
#include <utility>

namespace cafe::config::internal {
namespace {

// A file full of mistakes is fixed a screenful at a time; the cap keeps a
// hostile one from producing a message bigger than itself.
constexpr std::size_t kMaxReported = 50;

const std::string& name_of(const std::vector<std::string>& origin_names, std::uint32_t origin) {
  static const std::string kUnknown = "<unknown>";
  return origin < origin_names.size() ? origin_names[origin] : kUnknown;
}

std::string position(const Location& location) {
  if (location.line <= 0) return {};
  return " (line " + std::to_string(location.line) + ", column " + std::to_string(location.column) + ")";
}

}  // namespace

void Issues::add(std::string path, std::string what, Location location) {
  issues_.push_back({std::move(path), std::move(what), location});
}

Error Issues::to_error(const std::vector<std::string>& origin_names) const {
  // Sorted by index on ties, not with std::stable_sort: libstdc++ 12's
  // uses get_temporary_buffer, which clang 19 flags as deprecated in C++20.
  std::vector<std::size_t> order(issues_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Location& x = issues_[a].location;
    const Location& y = issues_[b].location;
    return std::tie(x.origin, x.line, x.column, a) < std::tie(y.origin, y.line, y.column, b);
  });
  std::string detail;
  std::vector<FieldError> fields;
  fields.reserve(order.size());
  const std::size_t shown = std::min(order.size(), kMaxReported);
  for (std::size_t index : std::span(order).first(shown)) {
    const Issue& issue = issues_[index];
    const std::string& origin = name_of(origin_names, issue.location.origin);
    std::string where = position(issue.location);
    if (!detail.empty()) detail += '\n';
    detail += origin;
    detail += ": ";
    if (!issue.path.empty()) detail += issue.path + ": ";
    detail += issue.what + where;
    // A field error is read without the detail, so it names a variable
    // that set the value; the file name is the caller's to show.
    std::string message = issue.what + where;
    if (issue.location.origin != 0) message += " (from " + origin + ")";
    fields.push_back({issue.path, std::move(message)});
  }
  if (order.size() > shown) {
    detail += "\n... and " + std::to_string(order.size() - shown) + " more problems";
  }
  return Error::invalid(std::move(detail), std::move(fields));
}

}  // namespace cafe::config::internal
