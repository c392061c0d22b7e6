// Collects configuration problems so that a reader can report all of them at
// once, and turns them into one kInvalidArgument Error.
#pragma once

#include "platform/config/document.h"
#include "platform/core/error.h"

#include <string>
#include <vector>

namespace cafe::config::internal {

struct Issue {
  std::string path;  // dotted key path, "" for the document itself
  std::string what;
  Location location;
};

class Issues {
 public:
  void add(std::string path, std::string what, Location location);
  bool empty() const { return issues_.empty(); }
  std::size_t size() const { return issues_.size(); }

  // Sorted by origin, then line and column; each line reads
  // `<origin name>: <path>: <what> (line L, column C)`. Every issue becomes a
  // FieldError {path, what + where}; the detail lists the lines. Only the
  // first 50 are reported, then a line counting the rest.
  Error to_error(const std::vector<std::string>& origin_names) const;

 private:
  std::vector<Issue> issues_;
};

}  // namespace cafe::config::internal
