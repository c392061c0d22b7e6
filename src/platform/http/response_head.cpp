#include "platform/http/response_head.h"

#include "platform/http/head_chars.h"

#include <boost/beast/http/status.hpp>

#include <optional>
#include <string_view>

namespace cafe::http {

namespace bhttp = boost::beast::http;

void serialize_head(const Response& resp, bool keep_alive, bool head_only, bool http10, std::string& head) {
  head.clear();
  head.append("HTTP/1.1 ").append(std::to_string(resp.status)).push_back(' ');
  head.append(bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status))).append("\r\n");
  std::optional<std::string_view> declared_length;
  for (const auto& field : resp.headers) {
    // Lengths and connection handling are this server's to write; a field
    // that could split the head is dropped (handlers never produce one).
    if (iequals(field.name, "Content-Length")) {
      declared_length = field.value;
      continue;
    }
    if (iequals(field.name, "Connection") || iequals(field.name, "Transfer-Encoding")) continue;
    if (!is_writable_name(field.name) || has_line_break(field.value)) continue;
    head.append(field.name).append(": ").append(field.value).append("\r\n");
  }
  // RFC 9110 §8.6: no Content-Length on 1xx and 204; on 304 it would have
  // to be the 200's length, so it is left out. A proxied HEAD carries the
  // upstream's length; a local one, its body's.
  const bool bodiless = resp.status < 200 || resp.status == 204 || resp.status == 304;
  if (!bodiless) {
    head.append("Content-Length: ");
    if (head_only && declared_length) {
      head.append(*declared_length);
    } else {
      head.append(std::to_string(resp.body.size()));
    }
    head.append("\r\n");
  }
  // HTTP/1.1 connections persist unless closed; an HTTP/1.0 one persists
  // only when the answer says so (ApacheBench -k waits otherwise).
  if (!keep_alive) {
    head.append("Connection: close\r\n");
  } else if (http10) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append("\r\n");
}

}  // namespace cafe::http
