#include "platform/config/internal/tree_builder.h"

#include "platform/config/internal/scalars.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <optional>
#include <sstream>
#include <unordered_set>
#include <utility>
#include <vector>

namespace cafe::config::internal {
namespace {

// Thrown from the event handler to stop yaml-cpp (too deep, or a second
// document); caught in build_tree.
struct Abort {
  Issue issue;
};

// yaml-cpp's tags: "?" for plain nodes, "!" for quoted scalars; anything else
// was written explicitly.
constexpr std::string_view kPlainTag = "?";
constexpr std::string_view kQuotedTag = "!";

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

class Builder final : public YAML::EventHandler {
 public:
  Builder(const ParseOptions& options, std::uint32_t origin, std::string base_path, Issues& issues)
      : options_(options), origin_(origin), base_path_(std::move(base_path)), issues_(issues) {}

  Node take_root() { return std::move(root_); }

  // The first problem that made the builder stop building: reported only if
  // yaml-cpp then finds no syntax error, which would explain it better (an
  // unclosed "[a, b" reaches us as a list used as a mapping key).
  const std::optional<Issue>& rejected() const { return rejected_; }

  // The path of the node being read, for syntax errors.
  std::string current_path() const {
    if (frames_.empty()) return base_path_;
    const Frame& top = frames_.back();
    return top.has_key ? join(top.path, top.key) : top.path;
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (rejected_ || !check_anchor(mark, anchor)) return;
    Node node;
    node.location = location(mark);
    add(std::move(node), mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    if (!rejected_) reject(mark, "anchors and aliases are not supported");
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (rejected_ || !check_anchor(mark, anchor)) return;
    if (tag != kPlainTag && tag != kQuotedTag) return reject(mark, "explicit tags are not supported");
    Node node;
    node.kind = Node::Kind::kScalar;
    node.quoted = tag == kQuotedTag;
    node.location = location(mark);
    node.text = value;
    add(std::move(node), mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::Kind::kSequence, mark, tag, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Node::Kind::kMap, mark, tag, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    Node node;
    std::string path;
    YAML::Mark mark;
    bool has_key = false;  // in a map: a key was read, its value comes next
    std::string key;
    Location key_location;
    std::unordered_set<std::string> keys;  // a set, not a scan: keeps big maps linear
  };

  Location location(const YAML::Mark& mark) const {
    if (mark.is_null()) return {0, 0, origin_};
    return {mark.line + 1, mark.column + 1, origin_};
  }

  // Stops building; from here on only nesting is counted.
  void reject(const YAML::Mark& mark, std::string what) {
    rejected_ = Issue{current_path(), std::move(what), location(mark)};
    discard_depth_ = static_cast<int>(frames_.size());
  }

  bool check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor == YAML::NullAnchor) return true;
    reject(mark, "anchors and aliases are not supported");
    return false;
  }

  void check_depth(int depth, const YAML::Mark& mark, std::string path) const {
    if (depth >= options_.max_depth) {
      throw Abort{{std::move(path), "nesting deeper than " + std::to_string(options_.max_depth) + " levels",
                   location(mark)}};
    }
  }

  std::string child_path() const {
    if (frames_.empty()) return base_path_;
    const Frame& top = frames_.back();
    if (top.node.kind == Node::Kind::kMap) return join(top.path, top.key);
    return top.path + "[" + std::to_string(top.node.items.size()) + "]";
  }

  void open(Node::Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor) {
    if (!rejected_ && check_anchor(mark, anchor)) {
      if (tag != kPlainTag) {
        reject(mark, "explicit tags are not supported");
      } else if (!frames_.empty() && frames_.back().node.kind == Node::Kind::kMap &&
                 !frames_.back().has_key) {
        reject(mark, "keys must be strings, not lists or mappings");
      }
    }
    if (rejected_) {
      // Still bounded: yaml-cpp recurses once per level.
      check_depth(discard_depth_, mark, current_path());
      ++discard_depth_;
      return;
    }
    std::string path = child_path();
    check_depth(static_cast<int>(frames_.size()), mark, path);
    Frame frame;
    frame.node.kind = kind;
    frame.node.location = location(mark);
    frame.path = std::move(path);
    frame.mark = mark;
    frames_.push_back(std::move(frame));
  }

  void close() {
    if (rejected_) {
      --discard_depth_;
      return;
    }
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    add(std::move(frame.node), frame.mark);
  }

  void add(Node node, const YAML::Mark& mark) {
    if (frames_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& top = frames_.back();
    if (top.node.kind == Node::Kind::kSequence) {
      top.node.items.push_back(std::move(node));
      return;
    }
    if (!top.has_key) {
      if (node.kind != Node::Kind::kScalar) return reject(mark, "keys must be strings, not null");
      top.has_key = true;
      top.key = std::move(node.text);
      top.key_location = node.location;
      return;
    }
    top.has_key = false;
    if (!top.keys.insert(top.key).second) {
      // Not fatal: every duplicate in the file is reported in one go.
      issues_.add(top.path, "duplicate key " + quote(top.key), top.key_location);
      return;
    }
    top.node.entries.push_back({std::move(top.key), top.key_location, std::move(node)});
  }

  const ParseOptions& options_;
  std::uint32_t origin_;
  std::string base_path_;
  Issues& issues_;
  std::vector<Frame> frames_;
  Node root_;
  std::optional<Issue> rejected_;
  int discard_depth_ = 0;
};

// Handles a second document only to refuse it where it starts.
class RefuseDocument final : public YAML::EventHandler {
 public:
  RefuseDocument(std::uint32_t origin, std::string path) : origin_(origin), path_(std::move(path)) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    throw Abort{
        {path_, "more than one YAML document",
         mark.is_null() ? Location{0, 0, origin_} : Location{mark.line + 1, mark.column + 1, origin_}}};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
  }
  void OnMapEnd() override {}

 private:
  std::uint32_t origin_;
  std::string path_;
};

}  // namespace

bool build_tree(std::string_view text, const ParseOptions& options, std::uint32_t origin,
                const std::string& base_path, Issues& issues, Node& out) {
  if (text.size() > options.max_bytes) {
    issues.add(base_path,
               "document is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                   std::to_string(options.max_bytes),
               {0, 0, origin});
    return false;
  }
  const std::size_t issues_before = issues.size();
  Builder builder(options, origin, base_path, issues);
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    parser.HandleNextDocument(builder);
    if (const std::optional<Issue>& rejected = builder.rejected()) {
      issues.add(rejected->path, rejected->what, rejected->location);
      return false;
    }
    RefuseDocument second(origin, base_path);
    parser.HandleNextDocument(second);
  } catch (const Abort& abort) {
    issues.add(abort.issue.path, abort.issue.what, abort.issue.location);
    return false;
  } catch (const YAML::Exception& e) {
    const Location where =
        e.mark.is_null() ? Location{0, 0, origin} : Location{e.mark.line + 1, e.mark.column + 1, origin};
    issues.add(builder.current_path(), "invalid YAML: " + e.msg, where);
    return false;
  }
  if (issues.size() != issues_before) return false;
  out = builder.take_root();
  return true;
}

}  // namespace cafe::config::internal
