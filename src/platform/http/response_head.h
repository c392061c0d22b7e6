// A response head as the server writes it, serialised by hand: Beast's
// serializer walks a buffers_cat_view per byte range, and a head is a few
// hundred bytes of appends. Writing heads this way took direct GET
// /api/menu from 76.8k to 95.8k req/s (bench/RESULTS.md).
#pragma once

#include "platform/http/message.h"

#include <string>

namespace cafe::http {

// Writes the head of `resp` into `head` (cleared first). Lengths and
// connection handling are the server's: the handler's Content-Length is
// used only for a HEAD answer, Connection and Transfer-Encoding are never
// copied, and a field that could split the head is dropped.
void serialize_head(const Response& resp, bool keep_alive, bool head_only, bool http10, std::string& head);

}  // namespace cafe::http
