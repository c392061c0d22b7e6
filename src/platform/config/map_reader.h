// Reads a config Document into typed structs, one mapping at a time.
//
//   MapReader reader(document);
//   reader.section("menu", [&](MapReader& menu) {
//     menu.required("store_id").field("store_id", config.store_id)
//         .field("page_size", config.page_size, 1, 500)
//         .field("cache_ttl", config.cache_ttl, 1ms, 1h);
//   });
//   if (auto done = reader.finish(); !done) return done.error();
//
// Each reader remembers which keys it was asked for: keys nobody asked for
// are errors ("unknown key", with a "did you mean" when one is close), which
// catches typos in hand-written files. Every problem is collected; finish()
// reports all of them in one kInvalidArgument Error (see internal/issues.h
// for the format). An absent key leaves its output untouched, so defaults
// live in the struct. An empty value (`cache:`) reads as an empty mapping or
// list, never as a scalar.
//
// Not thread-safe; the Document must outlive the reader.
#pragma once

#include "platform/config/document.h"
#include "platform/core/error.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::config {

namespace internal {
class Issues;
}

class MapReader {
 public:
  // Reads the document's root, which must be a mapping (or empty).
  explicit MapReader(const Document& document);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  MapReader& field(std::string_view key, std::string& out);
  MapReader& field(std::string_view key, bool& out);
  MapReader& field(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
  MapReader& field(std::string_view key, int& out, int min, int max);
  MapReader& field(std::string_view key, std::size_t& out, std::size_t min, std::size_t max);
  MapReader& field(std::string_view key, double& out, double min, double max);
  // "250ms", "2s", "1m", "1h" or an integer of milliseconds.
  MapReader& field(std::string_view key, std::chrono::milliseconds& out, std::chrono::milliseconds min,
                   std::chrono::milliseconds max);
  // A list of scalars.
  MapReader& field(std::string_view key, std::vector<std::string>& out);

  // Reports `key` as missing when it is absent; reads nothing.
  MapReader& required(std::string_view key);

  MapReader& one_of(std::string_view key, std::string& out, std::initializer_list<std::string_view> allowed);
  template <class E>
  MapReader& one_of(std::string_view key, E& out,
                    std::initializer_list<std::pair<std::string_view, E>> allowed) {
    std::vector<std::string_view> names;
    names.reserve(allowed.size());
    for (const auto& choice : allowed) names.push_back(choice.first);
    if (std::optional<std::size_t> index = choose(key, names)) out = (allowed.begin() + *index)->second;
    return *this;
  }

  // A nested mapping. `read` runs even when the key is absent (as an empty
  // mapping), so required keys inside are reported.
  MapReader& section(std::string_view key, const std::function<void(MapReader&)>& read);
  // A mapping of named mappings (a route table): `read` runs once per entry,
  // in document order. Entry names are free-form.
  MapReader& each(std::string_view key, const std::function<void(std::string_view name, MapReader&)>& read);
  // A list of mappings; paths read `key[0].field`.
  MapReader& list(std::string_view key, const std::function<void(MapReader&)>& read);

  // Whether `key` is present (including an explicit null). Does not count as
  // reading it.
  bool has(std::string_view key) const;
  // The dotted path of this mapping ("" for the root).
  const std::string& path() const { return path_; }

  // Checks the root's unknown keys and returns every problem found. Call it
  // once, on the root reader, after all reads.
  Result<void> finish();

 private:
  MapReader(const Document& document, internal::Issues& issues, const Node* node, std::string path,
            Location where);

  // Marks `key` as known and read; returns its value or nullptr if absent.
  const Node* take(std::string_view key);
  std::string path_of(std::string_view key) const;
  void report(std::string_view key, std::string what, const Location& where);
  void type_error(std::string_view key, const Node& value, std::string_view expected);
  const Node* scalar(std::string_view key, std::string_view expected);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<std::size_t> choose(std::string_view key, const std::vector<std::string_view>& allowed);
  // Runs `read` on a child mapping, then reports the child's unknown keys.
  void read_child(const Node* node, std::string path, Location where,
                  const std::function<void(MapReader&)>& read);
  void check_unknown_keys();

  const Document& document_;
  std::unique_ptr<internal::Issues> owned_issues_;  // the root owns them; children share
  internal::Issues& issues_;
  const Node* map_;  // nullptr: an empty mapping
  std::string path_;
  Location where_;  // the mapping's place, or its nearest present ancestor's
  std::vector<bool> consumed_;
  std::vector<std::string> known_;
};

}  // namespace cafe::config
