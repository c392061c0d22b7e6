// The Idempotency-Key store (API.md, POST /api/orders; the decisions are
// in idempotency_rules.h):
//
//   auto begun = co_await keys.begin("orders", key, bus::request_fingerprint("POST", path, body), deadline);
//   if (!begun) return problem(begun.error());                       // store down: 503
//   switch (begun->kind) {
//     case bus::BeginOutcome::Kind::kReplay:     return the stored response;
//     case bus::BeginOutcome::Kind::kInProgress:                     // 409 + Retry-After
//     case bus::BeginOutcome::Kind::kMismatch:   return problem(bus::to_error(*begun));   // 409
//     case bus::BeginOutcome::Kind::kStarted:    break;
//   }
//   ... do the work; in the transaction that stores its effect:
//       keys.complete(tx, begun->claim, response)   // rolls the effect back if the key was taken over
//   ... or, when the work failed in a way a retry may fix (503): co_await keys.abandon(begun->claim,
//   deadline)
//
// begin() commits the key as in progress before the work starts, so a
// concurrent duplicate on any replica sees it. An attempt holds the key
// for `lease`; a retry after that takes it over (the first replica died),
// and the first attempt's complete() then fails with kConflict, which
// rolls its transaction back: the effect happens once. Responses worth
// replaying (201, 422) are completed; failures a retry may fix are
// abandoned, which frees the key at once.
//
// Keys live in `scope` (the route, or the customer: keys of different
// scopes never meet). Table idempotency_keys (store_schema.h:
// StoreTables::idempotency); retention.h deletes keys older than its period.
// Response bodies are stored as text: UTF-8 without NUL, as JSON is.
#pragma once

#include "platform/bus/idempotency_rules.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"
#include "platform/sql/database.h"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cafe::service {
class Clock;
}

namespace cafe::bus {

inline constexpr std::size_t kMaxStoredResponseBytes = 1u << 20;  // body and headers together
inline constexpr std::size_t kMaxStoredHeaders = 32;

struct StoredResponse {
  int status = 0;                                            // 100..599
  std::vector<std::pair<std::string, std::string>> headers;  // in order (Location, Content-Type, ...)
  std::string body;

  friend bool operator==(const StoredResponse&, const StoredResponse&) = default;
};

// The attempt that holds a key: complete() and abandon() act only while it
// still does.
struct IdempotencyClaim {
  std::string scope;
  std::string key;
  std::string owner;  // unique per begin()
};

struct BeginOutcome {
  enum class Kind { kStarted, kInProgress, kReplay, kMismatch };
  Kind kind = Kind::kStarted;
  IdempotencyClaim claim;       // kStarted
  bool took_over = false;       // kStarted over an attempt whose lease had expired
  StoredResponse response;      // kReplay
  int retry_after_seconds = 0;  // kInProgress
};

// The 409 a route answers for kInProgress (with retry_after_seconds, so the
// problem carries Retry-After) and kMismatch; kInternal for the others.
Error to_error(const BeginOutcome& outcome);

struct IdempotencyOptions {
  IdempotencyRules rules{};
  const service::Clock* clock = nullptr;  // null: the system's
};

class IdempotencyStore {
 public:
  // `db` outlives the store.
  IdempotencyStore(sql::Database& db, IdempotencyOptions options);

  // kInvalidArgument for a bad key (check_idempotency_key), an empty scope
  // or fingerprint, or either over 128 bytes.
  boost::asio::awaitable<Result<BeginOutcome>> begin(std::string scope, std::string key,
                                                     std::string fingerprint, Deadline deadline);

  // Stores the response and marks the key completed, inside the caller's
  // transaction (the one that stores the request's effect). kConflict when
  // `claim` no longer holds the key: return it from the body, and the
  // effect is rolled back with it. kInvalidArgument for a response that
  // cannot be stored (status, size, header count, a body that is not UTF-8).
  Result<void> complete(sql::Transaction& tx, const IdempotencyClaim& claim,
                        const StoredResponse& response) const;

  // complete() in a transaction of its own, for work whose effect lives
  // elsewhere (another service, reached idempotently).
  boost::asio::awaitable<Result<void>> complete(IdempotencyClaim claim, StoredResponse response,
                                                Deadline deadline);

  // Deletes the key if `claim` still holds it, so the client's retry starts
  // afresh. Nothing when it was taken over or completed.
  boost::asio::awaitable<Result<void>> abandon(IdempotencyClaim claim, Deadline deadline);

 private:
  sql::Database& db_;
  IdempotencyOptions options_;
};

}  // namespace cafe::bus
