// Checks on what is about to be written into a message head: CR and LF
// would split it, NUL cuts it short in some readers, and a field name with
// ':' or white space is read differently downstream (RFC 9112 §2.2, §5).
// The server and the client check every field they write, so these run
// several times per proxied request: values are checked sixteen bytes at a
// time where SSE2 is there.
#pragma once

#include <string_view>

namespace cafe::http {

// True when `value` holds CR, LF or NUL.
bool has_line_break(std::string_view value) noexcept;

// True when `name` can be written as a field name: not empty, and no CR,
// LF, NUL, ':', space or tab.
bool is_writable_name(std::string_view name) noexcept;

}  // namespace cafe::http
