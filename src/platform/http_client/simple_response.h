// The common upstream answer, read without Beast's parser: a status line
// "HTTP/1.1 <200-599 but 204 and 304> <reason>", fields whose names are
// tokens and whose values hold no control character but tab, one
// Content-Length, no Transfer-Encoding, and a Connection field, if any, of
// just "close" or "keep-alive". Beast's general parser spent about 4.5k
// instructions per proxied response on six fields (bench/RESULTS.md).
//
// Anything else, including what Beast would refuse, is left to Beast: the
// check only looks, it consumes nothing, so Beast then reads the response
// from its first byte. What is accepted here Beast accepts too, with the
// same meaning.
#pragma once

#include "platform/http/message.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cafe::http_client::detail {

struct SimpleResponse {
  enum class Verdict : std::uint8_t {
    kComplete,  // `response` holds status, end-to-end fields and body
    kNeedMore,  // not all of it has arrived (or not enough to tell)
    kOther,     // not of that form: Beast's parser reads it
  };
  Verdict verdict = Verdict::kOther;
  std::size_t size = 0;     // bytes of head and body, when complete
  bool keep_alive = false;  // the connection may carry another request
};

// Reads `data`, the start of what the connection has buffered, as the
// response to a request other than HEAD. `max_header` and `max_body` are
// the client's limits: a response over them is Beast's to refuse.
SimpleResponse read_simple_response(std::string_view data, std::size_t max_header, std::size_t max_body,
                                    http::Response& response);

}  // namespace cafe::http_client::detail
