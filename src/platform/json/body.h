// Typed parsing of JSON request bodies with field-level validation. Every
// problem in a body is collected and reported together (one 400 listing
// each bad field), unknown fields are rejected unless declared ignorable,
// and nothing here throws.
#pragma once

#include "platform/core/error.h"

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::json {

struct ParseLimits {
  std::size_t max_depth = 16;
  std::size_t max_bytes = 1u << 20;
};

// Parses a whole document; malformed or truncated JSON, invalid UTF-8,
// trailing garbage and excessive depth are kInvalidArgument with a precise
// detail ("malformed JSON at byte 17: expected ':'").
Result<boost::json::value> parse(std::string_view text, ParseLimits limits = {});

struct StringRule {
  bool required = false;
  std::size_t min_length = 0;
  std::size_t max_length = 256;
};

struct IntRule {
  bool required = false;
  std::int64_t min = INT64_MIN;
  std::int64_t max = INT64_MAX;
};

// Reads the fields of one JSON object into typed values, recording a
// FieldError for each field that is missing, of the wrong type or out of
// range. Field paths are JSON-pointer-like: "items[2].quantity".
class ObjectReader {
 public:
  // `value` that is not an object records one error at `path`.
  ObjectReader(const boost::json::value& value, std::string path, std::vector<FieldError>& errors);

  std::optional<std::string> string(std::string_view key, StringRule rule = {});
  std::optional<std::int64_t> integer(std::string_view key, IntRule rule = {});
  // Accepts an integer or a string of decimal digits ("1" and 1 are one store).
  std::optional<std::int64_t> integer_or_digits(std::string_view key, IntRule rule = {});
  std::optional<bool> boolean(std::string_view key, bool required = false);
  // Calls `read` for each element of an array field with its own reader.
  void array(std::string_view key, std::size_t min_items, std::size_t max_items, bool required,
             const std::function<void(const boost::json::value&, std::string path)>& read);
  std::optional<std::vector<std::string>> string_array(std::string_view key, std::size_t max_items,
                                                       StringRule rule = {});
  // A nested object, read with its own reader.
  void object(std::string_view key, bool required, const std::function<void(ObjectReader&)>& read);

  // Compatibility fields that are accepted and ignored.
  void ignore(std::string_view key);

  // Records an error for every field that no call above consumed.
  void reject_unknown();

  bool present(std::string_view key) const;
  const std::string& path() const noexcept { return path_; }
  void add_error(std::string_view key, std::string message);

 private:
  const boost::json::value* find(std::string_view key);
  std::string field_path(std::string_view key) const;

  const boost::json::object* object_ = nullptr;
  std::string path_;
  std::vector<FieldError>& errors_;
  std::vector<std::string> consumed_;
};

// The Error for a failed validation, or nothing when `errors` is empty.
Result<void> to_result(std::vector<FieldError> errors, std::string_view what = "request body");

}  // namespace cafe::json
