// HTTP messages as the rest of CloudCafe sees them: plain structs with no
// Beast or Asio types, so handlers, middleware and services compile without
// Beast's headers (the compile firewall around the HTTP layer). The server
// and client convert to and from Beast in their own translation units.
#pragma once

#include "platform/core/deadline.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::http {

struct Route;

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view to_string(Method m) noexcept;
Method method_from_string(std::string_view s) noexcept;
// GET, HEAD, PUT, DELETE, OPTIONS: safe to retry on another target.
bool is_idempotent(Method m) noexcept;

// A small ordered header list; names compare case-insensitively.
class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
  };

  std::optional<std::string_view> get(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
  void add(std::string name, std::string value) { fields_.push_back({std::move(name), std::move(value)}); }
  // The same from views.
  void emplace(std::string_view name, std::string_view value) {
    fields_.push_back({std::string(name), std::string(value)});
  }
  // Replaces every field named `name` with one field (in the place of the
  // first, reusing its storage).
  void set(std::string_view name, std::string_view value);
  void erase(std::string_view name);

  const std::vector<Field>& fields() const noexcept { return fields_; }
  std::size_t size() const noexcept { return fields_.size(); }
  void reserve(std::size_t n) { fields_.reserve(n); }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

// ASCII case-insensitive equality, for field names and tokens. Inline: the
// hot path compares every field name a few times per request.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x == y) continue;
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Path parameters captured by the router, in template order.
struct PathParams {
  std::vector<std::pair<std::string_view, std::string>> values;
  std::optional<std::string_view> get(std::string_view name) const noexcept;
};

struct Request {
  Method method = Method::kGet;
  bool keep_alive = true;
  std::string method_text;  // as received, for kOther and logs
  std::string target;       // raw request-target
  std::string path;         // normalised path (percent-decoded, no `//`, `.`, `..`)
  std::string query;        // raw query string without '?'
  Headers headers;
  std::string body;
  std::string remote_address;

  // Filled in by the server and middleware.
  std::chrono::steady_clock::time_point received_at;
  const Route* matched = nullptr;  // set once routing succeeded
  PathParams params;
  std::string route;  // matched template, e.g. "/api/menu/items/{item_id}"
  std::string request_id;
  std::string trace_id;
  std::string span_id;
  // The time by which the answer is of use: the caller's X-Deadline-Ms
  // (capped by the service), else the service's default. Every store and
  // service call the handler makes gets no more than this.
  Deadline deadline{Deadline::Clock::time_point::max()};

  // First value of a query parameter, percent-decoded.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // ask the server to close the connection after writing
  bool abort = false;  // close the connection without answering (an injected blackhole)

  static Response json(int status, std::string body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response empty(int status);
};

}  // namespace cafe::http
