#include "platform/config/map_reader.h"

#include "platform/config/internal/issues.h"
#include "platform/config/internal/scalars.h"
#include "platform/config/internal/suggest.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace cafe::config {
namespace {

using internal::describe;
using internal::quote;

std::string format_number(double value) {
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc{} ? std::string(buffer, end) : std::string("?");
}

std::string quoted_list(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += quote(name);
  }
  return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> guess = internal::closest(word, candidates);
  return guess ? " (did you mean " + quote(*guess) + "?)" : std::string();
}

}  // namespace

MapReader::MapReader(const Document& document)
    : document_(document),
      owned_issues_(std::make_unique<internal::Issues>()),
      issues_(*owned_issues_),
      map_(nullptr),
      where_(document.root().location) {
  const Node& root = document.root();
  if (root.kind == Node::Kind::kMap) {
    map_ = &root;
    consumed_.assign(root.entries.size(), false);
  } else if (root.kind != Node::Kind::kNull) {
    issues_.add("", "expected a mapping at the top level, got " + describe(root), root.location);
  }
}

MapReader::MapReader(const Document& document, internal::Issues& issues, const Node* node, std::string path,
                     Location where)
    : document_(document), issues_(issues), map_(node), path_(std::move(path)), where_(where) {
  if (map_ != nullptr) {
    where_ = map_->location;
    consumed_.assign(map_->entries.size(), false);
  }
}

MapReader::~MapReader() = default;

const Node* MapReader::take(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  if (map_ == nullptr) return nullptr;
  for (std::size_t i = 0; i < map_->entries.size(); ++i) {
    if (map_->entries[i].key == key) {
      consumed_[i] = true;
      return &map_->entries[i].value;
    }
  }
  return nullptr;
}

bool MapReader::has(std::string_view key) const {
  return map_ != nullptr && map_->find(key) != nullptr;
}

std::string MapReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void MapReader::report(std::string_view key, std::string what, const Location& where) {
  issues_.add(path_of(key), std::move(what), where);
}

void MapReader::type_error(std::string_view key, const Node& value, std::string_view expected) {
  report(key, "expected " + std::string(expected) + ", got " + describe(value), value.location);
}

const Node* MapReader::scalar(std::string_view key, std::string_view expected) {
  const Node* node = take(key);
  if (node == nullptr) return nullptr;
  // A quoted "8080" is a string by YAML's rules; accepting it as a number
  // would hide a mistake.
  if (node->kind != Node::Kind::kScalar || node->quoted) {
    type_error(key, *node, expected);
    return nullptr;
  }
  return node;
}

MapReader& MapReader::field(std::string_view key, std::string& out) {
  const Node* node = take(key);
  if (node == nullptr) return *this;
  if (node->kind != Node::Kind::kScalar) {
    type_error(key, *node, "a string");
  } else {
    out = node->text;
  }
  return *this;
}

MapReader& MapReader::field(std::string_view key, bool& out) {
  const Node* node = scalar(key, "true or false");
  if (node == nullptr) return *this;
  if (std::optional<bool> value = internal::parse_bool(node->text)) {
    out = *value;
  } else {
    type_error(key, *node, "true or false");
  }
  return *this;
}

std::optional<std::int64_t> MapReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const Node* node = scalar(key, "an integer");
  if (node == nullptr) return std::nullopt;
  std::optional<std::int64_t> value = internal::parse_integer(node->text);
  if (!value) {
    type_error(key, *node, "an integer");
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    report(key,
           "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
               std::to_string(*value),
           node->location);
    return std::nullopt;
  }
  return value;
}

MapReader& MapReader::field(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
  if (std::optional<std::int64_t> value = integer(key, min, max)) out = *value;
  return *this;
}

MapReader& MapReader::field(std::string_view key, int& out, int min, int max) {
  if (std::optional<std::int64_t> value = integer(key, min, max)) out = static_cast<int>(*value);
  return *this;
}

MapReader& MapReader::field(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) {
  constexpr auto kLargest = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  if (std::optional<std::int64_t> value = integer(key, static_cast<std::int64_t>(std::min(min, kLargest)),
                                                  static_cast<std::int64_t>(std::min(max, kLargest)))) {
    out = static_cast<std::size_t>(*value);
  }
  return *this;
}

MapReader& MapReader::field(std::string_view key, double& out, double min, double max) {
  const Node* node = scalar(key, "a number");
  if (node == nullptr) return *this;
  std::optional<double> value = internal::parse_number(node->text);
  if (!value) {
    type_error(key, *node, "a number");
  } else if (*value < min || *value > max) {
    report(key,
           "must be between " + format_number(min) + " and " + format_number(max) + ", got " +
               format_number(*value),
           node->location);
  } else {
    out = *value;
  }
  return *this;
}

MapReader& MapReader::field(std::string_view key, std::chrono::milliseconds& out,
                            std::chrono::milliseconds min, std::chrono::milliseconds max) {
  constexpr std::string_view kExpected = "a duration such as 250ms, 2s or 1m";
  const Node* node = scalar(key, kExpected);
  if (node == nullptr) return *this;
  std::optional<std::chrono::milliseconds> value = internal::parse_duration(node->text);
  if (!value) {
    type_error(key, *node, kExpected);
  } else if (*value < min || *value > max) {
    report(key,
           "must be between " + internal::format_duration(min) + " and " + internal::format_duration(max) +
               ", got " + internal::format_duration(*value),
           node->location);
  } else {
    out = *value;
  }
  return *this;
}

MapReader& MapReader::field(std::string_view key, std::vector<std::string>& out) {
  const Node* node = take(key);
  if (node == nullptr) return *this;
  if (node->kind == Node::Kind::kNull) {
    out.clear();
    return *this;
  }
  if (node->kind != Node::Kind::kSequence) {
    type_error(key, *node, "a list of strings");
    return *this;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < node->items.size(); ++i) {
    const Node& item = node->items[i];
    if (item.kind != Node::Kind::kScalar) {
      issues_.add(path_of(key) + "[" + std::to_string(i) + "]", "expected a string, got " + describe(item),
                  item.location);
      ok = false;
    } else {
      values.push_back(item.text);
    }
  }
  if (ok) out = std::move(values);
  return *this;
}

MapReader& MapReader::required(std::string_view key) {
  if (!has(key)) report(key, "required key is missing", where_);
  return *this;
}

std::optional<std::size_t> MapReader::choose(std::string_view key,
                                             const std::vector<std::string_view>& allowed) {
  const Node* node = take(key);
  if (node == nullptr) return std::nullopt;
  if (node->kind == Node::Kind::kScalar) {
    for (std::size_t i = 0; i < allowed.size(); ++i) {
      if (allowed[i] == node->text) return i;
    }
  }
  report(key,
         "expected one of " + quoted_list(allowed) + ", got " + describe(*node) +
             (node->kind == Node::Kind::kScalar ? did_you_mean(node->text, allowed) : std::string()),
         node->location);
  return std::nullopt;
}

MapReader& MapReader::one_of(std::string_view key, std::string& out,
                             std::initializer_list<std::string_view> allowed) {
  if (std::optional<std::size_t> index = choose(key, std::vector<std::string_view>(allowed))) {
    out = std::string(*(allowed.begin() + *index));
  }
  return *this;
}

void MapReader::read_child(const Node* node, std::string path, Location where,
                           const std::function<void(MapReader&)>& read) {
  MapReader child(document_, issues_, node, std::move(path), where);
  read(child);
  child.check_unknown_keys();
}

MapReader& MapReader::section(std::string_view key, const std::function<void(MapReader&)>& read) {
  const Node* node = take(key);
  if (node == nullptr) {
    read_child(nullptr, path_of(key), where_, read);
  } else if (node->kind == Node::Kind::kNull) {
    read_child(nullptr, path_of(key), node->location, read);
  } else if (node->kind == Node::Kind::kMap) {
    read_child(node, path_of(key), node->location, read);
  } else {
    type_error(key, *node, "a mapping");
  }
  return *this;
}

MapReader& MapReader::each(std::string_view key,
                           const std::function<void(std::string_view name, MapReader&)>& read) {
  const Node* node = take(key);
  if (node == nullptr || node->kind == Node::Kind::kNull) return *this;
  if (node->kind != Node::Kind::kMap) {
    type_error(key, *node, "a mapping");
    return *this;
  }
  for (const Node::Entry& entry : node->entries) {
    std::string path = path_of(key) + "." + entry.key;
    const Node& value = entry.value;
    if (value.kind != Node::Kind::kMap && value.kind != Node::Kind::kNull) {
      issues_.add(std::move(path), "expected a mapping, got " + describe(value), value.location);
      continue;
    }
    const std::string_view name = entry.key;
    read_child(value.kind == Node::Kind::kMap ? &value : nullptr, std::move(path), value.location,
               [&](MapReader& child) { read(name, child); });
  }
  return *this;
}

MapReader& MapReader::list(std::string_view key, const std::function<void(MapReader&)>& read) {
  const Node* node = take(key);
  if (node == nullptr || node->kind == Node::Kind::kNull) return *this;
  if (node->kind != Node::Kind::kSequence) {
    type_error(key, *node, "a list");
    return *this;
  }
  for (std::size_t i = 0; i < node->items.size(); ++i) {
    std::string path = path_of(key) + "[" + std::to_string(i) + "]";
    const Node& item = node->items[i];
    if (item.kind != Node::Kind::kMap && item.kind != Node::Kind::kNull) {
      issues_.add(std::move(path), "expected a mapping, got " + describe(item), item.location);
      continue;
    }
    read_child(item.kind == Node::Kind::kMap ? &item : nullptr, std::move(path), item.location, read);
  }
  return *this;
}

void MapReader::check_unknown_keys() {
  if (map_ == nullptr) return;
  std::vector<std::string_view> known(known_.begin(), known_.end());
  for (std::size_t i = 0; i < map_->entries.size(); ++i) {
    if (consumed_[i]) continue;
    const Node::Entry& entry = map_->entries[i];
    report(entry.key, "unknown key" + did_you_mean(entry.key, known), entry.key_location);
  }
}

Result<void> MapReader::finish() {
  check_unknown_keys();
  if (issues_.empty()) return ok();
  return issues_.to_error(document_.origin_names());
}

}  // namespace cafe::config
