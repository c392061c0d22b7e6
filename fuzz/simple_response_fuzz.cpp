// Fuzzes the client's fast path for upstream answers (simple_response.h)
// against Beast's parser, differentially: whatever the fast path accepts
// as a complete response, Beast must accept too, with the same status,
// body, length and keep-alive. What the fast path declines is Beast's
// anyway, so only its acceptances need checking.
#include "platform/http_client/simple_response.h"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr std::size_t kMaxBody = 64 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace bhttp = boost::beast::http;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  cafe::http::Response fast;
  const auto verdict = cafe::http_client::detail::read_simple_response(input, kMaxHeader, kMaxBody, fast);
  if (verdict.verdict != cafe::http_client::detail::SimpleResponse::Verdict::kComplete) return 0;
  check(verdict.size <= input.size());

  bhttp::response_parser<bhttp::string_body> beast;
  beast.eager(true);
  beast.header_limit(static_cast<std::uint32_t>(kMaxHeader));
  beast.body_limit(kMaxBody);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!beast.is_done() && used < verdict.size) {
    const std::size_t n = beast.put(boost::asio::const_buffer(input.data() + used, verdict.size - used), ec);
    check(!ec);
    if (n == 0) break;
    used += n;
  }
  check(beast.is_done());
  check(used == verdict.size);
  const auto& message = beast.get();
  check(static_cast<int>(message.result_int()) == fast.status);
  check(message.body() == fast.body);
  check(message.keep_alive() == verdict.keep_alive);
  return 0;
}
