// The decisions behind Idempotency-Key (API.md, POST /api/orders), as pure
// functions: what a request with a key does given what the store holds for
// that key. idempotency.h runs them inside a transaction.
//
//   stored for the key           same fingerprint           other fingerprint
//   nothing                      start                      start
//   in progress, lease running   409 + Retry-After          409 (mismatch)
//   in progress, lease expired   take over (start again)    409 (mismatch)
//   completed                    the original response      409 (mismatch)
//
// "Lease expired": the replica that began the request died or stalled past
// `lease`; the retry takes the key over, and the stalled attempt can no
// longer complete it (idempotency.h fences it by owner).
#pragma once

#include "platform/core/error.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::bus {

inline constexpr std::size_t kMaxIdempotencyKeyBytes = 255;

// A key as a client may send it: 1 to 255 visible ASCII characters.
// kInvalidArgument otherwise, naming the header.
Result<void> check_idempotency_key(std::string_view key);

// What makes two requests "the same request": 32 hex digits of FNV-1a
// (128-bit) over the method, the target and the body, each prefixed by its
// length. Not a cryptographic hash: it only has to tell a client's honest
// retry from a client reusing its own key for another body.
std::string request_fingerprint(std::string_view method, std::string_view target, std::string_view body);

struct IdempotencyRules {
  std::chrono::milliseconds lease{30'000};  // an attempt in progress keeps the key this long
  int max_retry_after_seconds = 5;          // Retry-After for a duplicate in flight, at most
};

// The part of a stored key the decision needs.
struct StoredKeyState {
  std::string fingerprint;
  bool completed = false;
  std::int64_t locked_until_ms = 0;  // wall clock; meaningful while not completed
};

enum class BeginAction {
  kStart,       // new key: record it in progress and run the request
  kTakeOver,    // an attempt's lease expired: claim it and run the request
  kInProgress,  // a duplicate while the first runs: 409 + Retry-After
  kReplay,      // completed: answer the original response
  kMismatch,    // another request used this key: 409
};

const char* to_string(BeginAction action) noexcept;

struct BeginDecision {
  BeginAction action = BeginAction::kStart;
  int retry_after_seconds = 0;  // kInProgress only: when the first attempt may be done, at least 1

  friend bool operator==(const BeginDecision&, const BeginDecision&) = default;
};

BeginDecision decide_begin(const std::optional<StoredKeyState>& stored, std::string_view fingerprint,
                           std::int64_t now_ms, const IdempotencyRules& rules);

}  // namespace cafe::bus
