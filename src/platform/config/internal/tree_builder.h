// Builds a config Node tree from yaml-cpp's event stream (not YAML::Load), so
// that duplicate keys, anchors, aliases and tags are seen before yaml-cpp
// merges or expands them, and deep nesting is refused before the parser
// recurses further.
#pragma once

#include "platform/config/document.h"
#include "platform/config/internal/issues.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace cafe::config::internal {

// Parses one YAML document from `text` into `out`. Every location is stamped
// with `origin`; issue paths start at `base_path`. On failure returns false
// with the problems in `issues`. Never throws (besides std::bad_alloc).
bool build_tree(std::string_view text, const ParseOptions& options, std::uint32_t origin,
                const std::string& base_path, Issues& issues, Node& out);

}  // namespace cafe::config::internal
