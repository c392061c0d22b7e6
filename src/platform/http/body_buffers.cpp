#include "platform/http/body_buffers.h"

#include <array>
#include <utility>

namespace cafe::http {
namespace {

struct Cache {
  std::array<std::string, kCachedBodies> buffers;  // [0, count) hold storage
  std::size_t count = 0;
};

thread_local Cache cache;

}  // namespace

std::string take_body_buffer(std::size_t capacity) {
  Cache& c = cache;
  // The most recently given back first: its memory is likely still cached.
  for (std::size_t i = c.count; i-- > 0;) {
    if (c.buffers[i].capacity() < capacity) continue;
    std::string body = std::move(c.buffers[i]);
    --c.count;
    if (i != c.count) c.buffers[i] = std::move(c.buffers[c.count]);
    body.clear();
    return body;
  }
  std::string body;
  body.reserve(capacity);
  return body;
}

void give_back_body_buffer(std::string&& body) noexcept {
  Cache& c = cache;
  // A short string's storage is inline; a huge one is not kept.
  if (c.count < kCachedBodies && body.capacity() > std::string().capacity() &&
      body.capacity() <= kMaxCachedBody) {
    c.buffers[c.count++] = std::move(body);
  }
  body.clear();
}

}  // namespace cafe::http
