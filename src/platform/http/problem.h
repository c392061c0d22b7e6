// The one place where errors become HTTP: RFC 9457 problem+json bodies.
#pragma once

#include "platform/core/error.h"
#include "platform/http/message.h"

#include <string>
#include <string_view>

namespace cafe::http {

int status_for(ErrorCode code) noexcept;

// A problem response for an Error. kInternal never shows its detail: the
// client sees a generic text and the request id to quote.
Response problem(const Error& error, std::string_view instance = {}, std::string_view request_id = {});

// A problem for conditions the HTTP layer itself detects (404, 405, 413, 431...).
Response problem(int status, std::string_view detail, std::string_view instance = {},
                 std::string_view request_id = {});

}  // namespace cafe::http
