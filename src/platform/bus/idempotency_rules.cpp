#include "platform/bus/idempotency_rules.h"

#include <algorithm>

namespace cafe::bus {
namespace {

using u128 = unsigned __int128;

// FNV-1a 128-bit parameters (IETF draft-eastlake-fnv): offset basis and
// prime 2^88 + 2^8 + 0x3b.
constexpr u128 kOffsetBasis = (static_cast<u128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
constexpr u128 kPrime = (static_cast<u128>(1) << 88) | (static_cast<u128>(1) << 8) | 0x3b;

void mix(u128& hash, std::string_view bytes) {
  std::uint64_t size = bytes.size();
  for (int i = 0; i < 8; ++i) {
    hash ^= static_cast<std::uint8_t>(size >> (8 * i));
    hash *= kPrime;
  }
  for (char c : bytes) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= kPrime;
  }
}

}  // namespace

Result<void> check_idempotency_key(std::string_view key) {
  const bool visible = std::all_of(key.begin(), key.end(), [](char c) { return c >= '!' && c <= '~'; });
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes || !visible) {
    return Error::invalid("Idempotency-Key must be 1 to " + std::to_string(kMaxIdempotencyKeyBytes) +
                              " visible ASCII characters",
                          {{"Idempotency-Key", "must be 1 to 255 visible ASCII characters"}});
  }
  return ok();
}

std::string request_fingerprint(std::string_view method, std::string_view target, std::string_view body) {
  u128 hash = kOffsetBasis;
  mix(hash, method);
  mix(hash, target);
  mix(hash, body);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 31; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[static_cast<unsigned>(hash & 0xF)];
    hash >>= 4;
  }
  return out;
}

const char* to_string(BeginAction action) noexcept {
  switch (action) {
    case BeginAction::kStart:
      return "start";
    case BeginAction::kTakeOver:
      return "take_over";
    case BeginAction::kInProgress:
      return "in_progress";
    case BeginAction::kReplay:
      return "replay";
    case BeginAction::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

BeginDecision decide_begin(const std::optional<StoredKeyState>& stored, std::string_view fingerprint,
                           std::int64_t now_ms, const IdempotencyRules& rules) {
  if (!stored) return {BeginAction::kStart, 0};
  if (stored->fingerprint != fingerprint) return {BeginAction::kMismatch, 0};
  if (stored->completed) return {BeginAction::kReplay, 0};
  if (stored->locked_until_ms <= now_ms) return {BeginAction::kTakeOver, 0};
  const std::int64_t left_ms = stored->locked_until_ms - now_ms;
  const std::int64_t seconds = (left_ms + 999) / 1000;
  const int cap = std::max(1, rules.max_retry_after_seconds);
  return {BeginAction::kInProgress, static_cast<int>(std::clamp<std::int64_t>(seconds, 1, cap))};
}

}  // namespace cafe::bus
