#include "platform/config/env_overrides.h"

#include "platform/config/internal/issues.h"
#include "platform/config/internal/scalars.h"
#include "platform/config/internal/tree_builder.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

extern char** environ;  // NOLINT: POSIX declares it only with _GNU_SOURCE in <unistd.h>

namespace cafe::config {
namespace {

// A value of one variable is short; a YAML document is not needed there.
constexpr ParseOptions kValueLimits{.max_bytes = std::size_t{64} * 1024, .max_depth = 8};

// "MENU__CACHE__TTL_MS" → {"menu", "cache", "ttl_ms"}; nothing when a
// segment is empty, has characters other than [A-Za-z0-9_], or starts or
// ends with '_' (which "___" would produce).
std::optional<std::vector<std::string>> split_path(std::string_view rest) {
  std::vector<std::string> segments;
  while (true) {
    const std::size_t cut = rest.find("__");
    std::string_view segment = rest.substr(0, cut);
    if (segment.empty() || segment.front() == '_' || segment.back() == '_') return std::nullopt;
    std::string lowered;
    for (char c : segment) {
      const bool allowed =
          (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      if (!allowed) return std::nullopt;
      lowered += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    segments.push_back(std::move(lowered));
    if (cut == std::string_view::npos) return segments;
    rest.remove_prefix(cut + 2);
  }
}

std::string join(const std::vector<std::string>& segments, std::size_t count) {
  std::string path;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) path += '.';
    path += segments[i];
  }
  return path;
}

// Values set from a variable have no line in any file.
void stamp(Node& node, std::uint32_t origin) {
  node.location = {0, 0, origin};
  for (Node& item : node.items) stamp(item, origin);
  for (Node::Entry& entry : node.entries) {
    entry.key_location = {0, 0, origin};
    stamp(entry.value, origin);
  }
}

// Finds or creates the entry `key` in `map` (turning null into a mapping).
Node* child(Node& map, const std::string& key, std::uint32_t origin) {
  if (map.kind == Node::Kind::kNull) map.kind = Node::Kind::kMap;
  if (Node* found = map.find(key)) return found;
  Node created;
  created.location = {0, 0, origin};
  map.entries.push_back({key, {0, 0, origin}, std::move(created)});
  return &map.entries.back().value;
}

}  // namespace

Result<void> apply_env_overrides(Document& document, std::span<const std::string> environment,
                                 const EnvOverrideOptions& options) {
  internal::Issues issues;
  for (const std::string& variable : environment) {
    const std::size_t equals = variable.find('=');
    const std::string name = variable.substr(0, equals);
    if (!name.starts_with(options.prefix)) continue;
    if (std::find(options.ignore.begin(), options.ignore.end(), name) != options.ignore.end()) continue;
    const std::string_view value =
        equals == std::string::npos ? std::string_view() : std::string_view(variable).substr(equals + 1);
    const std::uint32_t origin = document.add_origin(name);

    std::optional<std::vector<std::string>> segments =
        split_path(std::string_view(name).substr(options.prefix.size()));
    if (!segments) {
      issues.add("", "not a configuration path (segments are joined by \"__\")", {0, 0, origin});
      continue;
    }
    const std::string path = join(*segments, segments->size());
    Node parsed;
    if (!internal::build_tree(value, kValueLimits, origin, path, issues, parsed)) continue;
    stamp(parsed, origin);

    Node* node = &document.root();
    bool blocked = false;
    for (std::size_t i = 0; i + 1 < segments->size() && !blocked; ++i) {
      if (node->kind != Node::Kind::kMap && node->kind != Node::Kind::kNull) {
        issues.add(join(*segments, i), "cannot set a key inside " + internal::describe(*node),
                   {0, 0, origin});
        blocked = true;
      } else {
        node = child(*node, (*segments)[i], origin);
      }
    }
    if (blocked) continue;
    if (node->kind != Node::Kind::kMap && node->kind != Node::Kind::kNull) {
      issues.add(join(*segments, segments->size() - 1),
                 "cannot set a key inside " + internal::describe(*node), {0, 0, origin});
      continue;
    }
    *child(*node, segments->back(), origin) = std::move(parsed);
  }
  if (issues.empty()) return ok();
  return issues.to_error(document.origin_names());
}

std::vector<std::string> process_environment() {
  std::vector<std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) variables.emplace_back(*entry);
  return variables;
}

}  // namespace cafe::config
