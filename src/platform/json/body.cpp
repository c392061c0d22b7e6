#include "platform/json/body.h"

#include <boost/json/error.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>

namespace cafe::json {
namespace {

std::string kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a number with a fraction or exponent";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

}  // namespace

Result<boost::json::value> parse(std::string_view text, ParseLimits limits) {
  if (text.size() > limits.max_bytes) {
    return Error::make(ErrorCode::kPayloadTooLarge, "body is " + std::to_string(text.size()) +
                                                        " bytes; the limit is " +
                                                        std::to_string(limits.max_bytes));
  }
  if (text.empty()) return Error::invalid("request body is empty; expected a JSON object");
  boost::json::parse_options options;
  options.max_depth = limits.max_depth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    std::string reason = ec.message();
    if (ec == boost::json::error::too_deep) {
      reason = "nested deeper than " + std::to_string(limits.max_depth) + " levels";
    } else if (ec == boost::json::error::incomplete) {
      reason = "the document is truncated";
    }
    return Error::invalid("malformed JSON at byte " + std::to_string(consumed) + ": " + reason);
  }
  return parser.release();
}

ObjectReader::ObjectReader(const boost::json::value& value, std::string path, std::vector<FieldError>& errors)
    : object_(value.if_object()), path_(std::move(path)), errors_(errors) {
  if (!object_)
    errors_.push_back({path_.empty() ? "$" : path_, "expected an object, got " + kind_name(value)});
}

std::string ObjectReader::field_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ObjectReader::add_error(std::string_view key, std::string message) {
  errors_.push_back({field_path(key), std::move(message)});
}

bool ObjectReader::present(std::string_view key) const {
  return object_ && object_->contains(key);
}

const boost::json::value* ObjectReader::find(std::string_view key) {
  consumed_.emplace_back(key);
  if (!object_) return nullptr;
  const auto* v = object_->if_contains(key);
  return v;
}

std::optional<std::string> ObjectReader::string(std::string_view key, StringRule rule) {
  const auto* v = find(key);
  if (!v || v->is_null()) {
    if (rule.required && object_) add_error(key, "is required");
    return std::nullopt;
  }
  const auto* s = v->if_string();
  if (!s) {
    add_error(key, "expected a string, got " + kind_name(*v));
    return std::nullopt;
  }
  if (s->size() < rule.min_length) {
    add_error(key, rule.min_length == 1
                       ? "must not be empty"
                       : "must be at least " + std::to_string(rule.min_length) + " characters");
    return std::nullopt;
  }
  if (s->size() > rule.max_length) {
    add_error(key, "must be at most " + std::to_string(rule.max_length) + " bytes");
    return std::nullopt;
  }
  return std::string(*s);
}

namespace {

std::optional<std::int64_t> as_int64(const boost::json::value& v) {
  if (const auto* i = v.if_int64()) return *i;
  if (const auto* u = v.if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(*u);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, IntRule rule) {
  const auto* v = find(key);
  if (!v || v->is_null()) {
    if (rule.required && object_) add_error(key, "is required");
    return std::nullopt;
  }
  auto n = as_int64(*v);
  if (!n) {
    add_error(key, v->is_number() ? "must be an integer between " + std::to_string(rule.min) + " and " +
                                        std::to_string(rule.max)
                                  : "expected an integer, got " + kind_name(*v));
    return std::nullopt;
  }
  if (*n < rule.min || *n > rule.max) {
    add_error(key, "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::int64_t> ObjectReader::integer_or_digits(std::string_view key, IntRule rule) {
  const auto* v = object_ ? object_->if_contains(key) : nullptr;
  if (v && v->is_string()) {
    consumed_.emplace_back(key);
    const auto& s = v->get_string();
    const bool digits = !s.empty() && s.size() <= 18 &&
                        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      add_error(key, "expected an integer or a string of digits");
      return std::nullopt;
    }
    const std::int64_t n = std::stoll(std::string(s));
    if (n < rule.min || n > rule.max) {
      add_error(key, "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max));
      return std::nullopt;
    }
    return n;
  }
  return integer(key, rule);
}

std::optional<bool> ObjectReader::boolean(std::string_view key, bool required) {
  const auto* v = find(key);
  if (!v || v->is_null()) {
    if (required && object_) add_error(key, "is required");
    return std::nullopt;
  }
  if (!v->is_bool()) {
    add_error(key, "expected a boolean, got " + kind_name(*v));
    return std::nullopt;
  }
  return v->get_bool();
}

void ObjectReader::array(std::string_view key, std::size_t min_items, std::size_t max_items, bool required,
                         const std::function<void(const boost::json::value&, std::string path)>& read) {
  const auto* v = find(key);
  if (!v || v->is_null()) {
    if (required && object_) add_error(key, "is required");
    return;
  }
  const auto* a = v->if_array();
  if (!a) {
    add_error(key, "expected an array, got " + kind_name(*v));
    return;
  }
  if (a->size() < min_items || a->size() > max_items) {
    add_error(key, "must have between " + std::to_string(min_items) + " and " + std::to_string(max_items) +
                       " items, got " + std::to_string(a->size()));
    return;
  }
  for (std::size_t i = 0; i < a->size(); ++i) read((*a)[i], field_path(key) + "[" + std::to_string(i) + "]");
}

std::optional<std::vector<std::string>> ObjectReader::string_array(std::string_view key,
                                                                   std::size_t max_items, StringRule rule) {
  std::vector<std::string> out;
  bool ok = true;
  const bool was_present = present(key);
  array(key, 0, max_items, rule.required, [&](const boost::json::value& item, const std::string& path) {
    const auto* s = item.if_string();
    if (!s) {
      errors_.push_back({path, "expected a string, got " + kind_name(item)});
      ok = false;
    } else if (s->size() < rule.min_length || s->size() > rule.max_length) {
      errors_.push_back({path, "must be between " + std::to_string(rule.min_length) + " and " +
                                   std::to_string(rule.max_length) + " bytes"});
      ok = false;
    } else {
      out.emplace_back(*s);
    }
  });
  if (!was_present || !ok) return std::nullopt;
  return out;
}

void ObjectReader::object(std::string_view key, bool required,
                          const std::function<void(ObjectReader&)>& read) {
  const auto* v = find(key);
  if (!v || v->is_null()) {
    if (required && object_) add_error(key, "is required");
    return;
  }
  ObjectReader nested(*v, field_path(key), errors_);
  if (nested.object_) {
    read(nested);
    nested.reject_unknown();
  }
}

void ObjectReader::ignore(std::string_view key) {
  consumed_.emplace_back(key);
}

void ObjectReader::reject_unknown() {
  if (!object_) return;
  for (const auto& [key, value] : *object_) {
    if (std::find(consumed_.begin(), consumed_.end(), std::string_view(key)) == consumed_.end()) {
      add_error(key, "unknown field");
    }
  }
}

Result<void> to_result(std::vector<FieldError> errors, std::string_view what) {
  if (errors.empty()) return {};
  std::string detail = std::string(what) + " has " + std::to_string(errors.size()) + " invalid field" +
                       (errors.size() == 1 ? "" : "s") + ": ";
  for (std::size_t i = 0; i < errors.size() && i < 5; ++i) {
    if (i) detail += "; ";
    detail += errors[i].field + " " + errors[i].message;
  }
  // A body can produce many errors; the list a client gets stays bounded.
  if (errors.size() > 50) errors.resize(50);
  return Error::invalid(std::move(detail), std::move(errors));
}

}  // namespace cafe::json
