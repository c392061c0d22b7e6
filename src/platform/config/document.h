// A parsed YAML configuration document, held in our own small tree rather
// than yaml-cpp's nodes: yaml-cpp 0.7 silently keeps duplicate keys, reports
// only line and column, and expands aliases, so parse_yaml() walks its event
// stream itself, rejects what a config file has no use for, and records where
// every node came from (a file position or an environment variable).
#pragma once

#include "platform/core/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::config {

// Where a node came from. Lines and columns are 1-based; 0 means "no
// position" (nodes set by an environment variable). `origin` indexes
// Document::origin_name(): 0 is the document itself.
struct Location {
  int line = 0;
  int column = 0;
  std::uint32_t origin = 0;
};

struct Node {
  enum class Kind : std::uint8_t { kNull, kScalar, kSequence, kMap };
  struct Entry;

  Kind kind = Kind::kNull;
  // A quoted scalar ("8080", 'x') is always a string, never a number or bool.
  bool quoted = false;
  Location location;
  std::string text;            // kScalar only
  std::vector<Node> items;     // kSequence only
  std::vector<Entry> entries;  // kMap only, in document order, keys unique

  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
};

struct Node::Entry {
  std::string key;
  Location key_location;
  Node value;
};

class Document {
 public:
  Document(std::string source_name, Node root);

  const Node& root() const { return root_; }
  Node& root() { return root_; }
  const std::string& source_name() const { return origins_.front(); }

  // Names the place a node came from: the source name for origin 0, else
  // the environment variable that set it.
  const std::string& origin_name(std::uint32_t origin) const;
  std::uint32_t add_origin(std::string name);
  const std::vector<std::string>& origin_names() const { return origins_; }

 private:
  std::vector<std::string> origins_;
  Node root_;
};

struct ParseOptions {
  // A config file is written by hand; anything bigger or deeper is a mistake
  // or an attack on the parser (yaml-cpp recurses per nesting level).
  std::size_t max_bytes = std::size_t{1} << 20;
  int max_depth = 32;
};

// Parses one YAML document. Rejects, as kInvalidArgument with one line per
// problem in the form `<source>: <path>: <what> (line L, column C)`:
// syntax errors, duplicate keys in any mapping, keys that are not scalars,
// anchors and aliases, explicit tags, more than one document, more than
// max_bytes, nesting deeper than max_depth. Never throws.
Result<Document> parse_yaml(std::string_view text, std::string source_name, const ParseOptions& options = {});

// Reads a file (at most options.max_bytes) and parses it, naming it by its
// file name in messages. A missing file is kNotFound.
Result<Document> read_yaml_file(const std::filesystem::path& path, const ParseOptions& options = {});

}  // namespace cafe::config
