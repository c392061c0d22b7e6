#include "platform/core/ids.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace cafe {
namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

constexpr char kHex[] = "0123456789abcdef";

// `bytes` random bytes as lowercase hex, drawn 8 at a time.
std::string random_hex(std::size_t bytes) {
  std::string out(bytes * 2, '0');
  bool all_zero = true;
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    if (i % 8 == 0) word = rng()();
    const auto b = static_cast<std::uint8_t>(word >> (8 * (i % 8)));
    all_zero = all_zero && b == 0;
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xF];
  }
  if (all_zero) out.back() = '1';
  return out;
}

}  // namespace

std::string new_uuid_v7() {
  const auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
  std::array<std::uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  const std::uint64_t r1 = rng()();
  const std::uint64_t r2 = rng()();
  for (int i = 6; i < 16; ++i) b[i] = static_cast<std::uint8_t>((i < 11 ? r1 : r2) >> (8 * (i % 8)));
  b[6] = static_cast<std::uint8_t>(0x70 | (b[6] & 0x0F));  // version 7
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3F));  // RFC 9562 variant
  std::string out(36, '-');
  std::size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;
    out[at++] = kHex[b[i] >> 4];
    out[at++] = kHex[b[i] & 0xF];
  }
  return out;
}

std::string new_trace_id() {
  return random_hex(16);
}
std::string new_span_id() {
  return random_hex(8);
}

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace cafe
