#include "platform/config/document.h"

#include "platform/config/internal/issues.h"
#include "platform/config/internal/tree_builder.h"

#include <fstream>
#include <system_error>
#include <utility>

namespace cafe::config {

const Node* Node::find(std::string_view key) const {
  for (const Entry& entry : entries) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

Node* Node::find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node&>(*this).find(key));
}

Document::Document(std::string source_name, Node root) : root_(std::move(root)) {
  origins_.push_back(std::move(source_name));
}

const std::string& Document::origin_name(std::uint32_t origin) const {
  return origin < origins_.size() ? origins_[origin] : origins_.front();
}

std::uint32_t Document::add_origin(std::string name) {
  origins_.push_back(std::move(name));
  return static_cast<std::uint32_t>(origins_.size() - 1);
}

Result<Document> parse_yaml(std::string_view text, std::string source_name, const ParseOptions& options) {
  internal::Issues issues;
  Node root;
  if (!internal::build_tree(text, options, 0, "", issues, root)) return issues.to_error({source_name});
  return Document(std::move(source_name), std::move(root));
}

Result<Document> read_yaml_file(const std::filesystem::path& path, const ParseOptions& options) {
  std::string name = path.filename().string();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Error::not_found(path.string() + ": no such file");
    return Error::invalid(path.string() + ": cannot be read");
  }
  // One byte over the limit is enough to know the file is too big.
  std::string text(options.max_bytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) return Error::invalid(path.string() + ": cannot be read");
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > options.max_bytes) {
    return Error::invalid(name + ": file is larger than the limit of " + std::to_string(options.max_bytes) +
                          " bytes");
  }
  return parse_yaml(text, std::move(name), options);
}

}  // namespace cafe::config
