// Reuse of message-body storage within a thread. A proxied response body is
// a few KB, a size glibc serves from its slow path (after consolidating its
// fast bins): allocating and freeing one cost the gateway about 2k
// instructions per request (bench/RESULTS.md). The HTTP client takes the
// storage for each response body here; the server gives each response's
// body back once written.
//
// Bounded: at most kCachedBodies buffers of at most kMaxCachedBody bytes
// are kept per thread; anything else is freed as usual.
#pragma once

#include <cstddef>
#include <string>

namespace cafe::http {

inline constexpr std::size_t kCachedBodies = 8;
inline constexpr std::size_t kMaxCachedBody = std::size_t{64} * 1024;

// An empty string with at least `capacity` reserved: a buffer this thread
// gave back when one is large enough, else a new one.
std::string take_body_buffer(std::size_t capacity);

// Keeps `body`'s storage for this thread's next take_body_buffer(), if it
// is worth keeping and there is room; `body` is left empty either way.
void give_back_body_buffer(std::string&& body) noexcept;

}  // namespace cafe::http
