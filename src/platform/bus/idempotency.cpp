#include "platform/bus/idempotency.h"

#include "platform/bus/internal/wall_clock.h"
#include "platform/core/ids.h"
#include "platform/http/path.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <optional>

namespace cafe::bus {

namespace asio = boost::asio;
using sql::Value;

namespace {

constexpr std::size_t kMaxScopeBytes = 128;
constexpr std::size_t kMaxFingerprintBytes = 128;
// A key whose row keeps changing under begin() (a take-over racing a
// completion) is read again this many times before the caller is told to
// retry the transaction.
constexpr int kMaxBeginReads = 3;

std::string headers_to_json(const std::vector<std::pair<std::string, std::string>>& headers) {
  boost::json::array a;
  a.reserve(headers.size());
  for (const auto& [name, value] : headers) a.push_back(boost::json::array{name, value});
  return boost::json::serialize(a);
}

Result<std::vector<std::pair<std::string, std::string>>> headers_from_json(const std::string& text) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(text, ec);
  const auto* a = ec ? nullptr : v.if_array();
  if (a == nullptr) return Error::internal("a stored idempotent response has malformed headers");
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(a->size());
  for (const auto& pair : *a) {
    const auto* p = pair.if_array();
    if (p == nullptr || p->size() != 2 || !(*p)[0].is_string() || !(*p)[1].is_string())
      return Error::internal("a stored idempotent response has malformed headers");
    out.emplace_back(std::string((*p)[0].get_string()), std::string((*p)[1].get_string()));
  }
  return out;
}

Result<void> check_response(const StoredResponse& response) {
  if (response.status < 100 || response.status > 599)
    return Error::invalid("an idempotent response needs a status between 100 and 599");
  if (response.headers.size() > kMaxStoredHeaders)
    return Error::invalid("an idempotent response keeps at most " + std::to_string(kMaxStoredHeaders) +
                          " headers");
  // Stored as TEXT, which PostgreSQL checks as UTF-8 and ends at a NUL.
  if (!http::is_valid_utf8(response.body) || response.body.find('\0') != std::string::npos)
    return Error::invalid("an idempotent response body must be UTF-8 text without NUL");
  std::size_t bytes = response.body.size();
  for (const auto& [name, value] : response.headers) bytes += name.size() + value.size();
  if (bytes > kMaxStoredResponseBytes)
    return Error::invalid("an idempotent response is " + std::to_string(bytes) + " bytes; the limit is " +
                          std::to_string(kMaxStoredResponseBytes));
  return ok();
}

// One read of the key's row, locked on PostgreSQL until the transaction ends.
struct KeyRow {
  StoredKeyState state;
  std::string owner;  // empty once completed
  StoredResponse response;
};

Result<std::optional<KeyRow>> read_key(sql::Transaction& tx, const std::string& scope,
                                       const std::string& key) {
  const std::vector<Value> params{scope, key};
  auto rows = tx.execute(
      "SELECT fingerprint, owner, locked_until_ms, completed_at_ms, response_status, response_headers, "
      "response_body FROM idempotency_keys WHERE scope = ? AND idem_key = ? FOR UPDATE",
      params);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<KeyRow>();
  const auto& cells = rows->rows[0];
  sql::RowReader r(cells);
  KeyRow row;
  row.state.fingerprint = r.text();
  const bool has_owner = !sql::is_null(cells.at(1));
  if (has_owner) {
    row.owner = r.text();
  } else {
    (void)r.nullable_integer();  // skips the NULL owner
  }
  row.state.locked_until_ms = r.integer();
  row.state.completed = r.nullable_integer().has_value();
  if (row.state.completed) {
    row.response.status = static_cast<int>(r.integer());
    const std::string headers = r.text();
    row.response.body = r.text();
    if (auto ok = r.status(); !ok) return ok.error();
    auto parsed = headers_from_json(headers);
    if (!parsed) return parsed.error();
    row.response.headers = std::move(*parsed);
  }
  if (auto ok = r.status(); !ok) return ok.error();
  return std::optional<KeyRow>(std::move(row));
}

BeginOutcome outcome_of(BeginOutcome::Kind kind) {
  BeginOutcome o;
  o.kind = kind;
  return o;
}

BeginOutcome started(IdempotencyClaim claim, bool took_over) {
  BeginOutcome o = outcome_of(BeginOutcome::Kind::kStarted);
  o.claim = std::move(claim);
  o.took_over = took_over;
  return o;
}

}  // namespace

Error to_error(const BeginOutcome& outcome) {
  switch (outcome.kind) {
    case BeginOutcome::Kind::kInProgress:
      return {ErrorCode::kConflict,
              "a request with this Idempotency-Key is still in progress; retry later",
              {},
              std::max(1, outcome.retry_after_seconds)};
    case BeginOutcome::Kind::kMismatch:
      return Error::conflict("this Idempotency-Key was used for a different request");
    case BeginOutcome::Kind::kStarted:
    case BeginOutcome::Kind::kReplay:
      break;
  }
  return Error::internal("to_error called for an idempotency outcome that is not an error");
}

IdempotencyStore::IdempotencyStore(sql::Database& db, IdempotencyOptions options)
    : db_(db), options_(options) {}

asio::awaitable<Result<BeginOutcome>> IdempotencyStore::begin(std::string scope, std::string key,
                                                              std::string fingerprint, Deadline deadline) {
  if (auto valid = check_idempotency_key(key); !valid) co_return valid.error();
  if (scope.empty() || scope.size() > kMaxScopeBytes)
    co_return Error::invalid("idempotency scope must be 1 to " + std::to_string(kMaxScopeBytes) + " bytes");
  if (fingerprint.empty() || fingerprint.size() > kMaxFingerprintBytes)
    co_return Error::invalid("request fingerprint must be 1 to " + std::to_string(kMaxFingerprintBytes) +
                             " bytes");

  auto body = [scope, key, fingerprint, owner = new_uuid_v7(), rules = options_.rules,
               clock = options_.clock](sql::Transaction& tx) -> Result<BeginOutcome> {
    for (int read = 0; read < kMaxBeginReads; ++read) {
      const std::int64_t now_ms = internal::wall_now_ms(clock);
      auto row = read_key(tx, scope, key);
      if (!row) return row.error();
      std::optional<StoredKeyState> state;
      if (*row) state = (*row)->state;
      const BeginDecision decision = decide_begin(state, fingerprint, now_ms, rules);
      const std::int64_t locked_until_ms = now_ms + rules.lease.count();
      switch (decision.action) {
        case BeginAction::kStart: {
          const std::vector<Value> params{scope, key, fingerprint, owner, locked_until_ms, now_ms};
          auto r = tx.execute(
              "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, owner, locked_until_ms, "
              "created_at_ms) "
              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, idem_key) DO NOTHING",
              params);
          if (!r) return r.error();
          if (r->affected == 1) return started({scope, key, owner}, false);
          break;  // a concurrent begin inserted it first: read what it wrote
        }
        case BeginAction::kTakeOver: {
          const std::vector<Value> params{owner, locked_until_ms, scope, key, (*row)->owner};
          auto r = tx.execute(
              "UPDATE idempotency_keys SET owner = ?, locked_until_ms = ? "
              "WHERE scope = ? AND idem_key = ? AND owner = ? AND completed_at_ms IS NULL",
              params);
          if (!r) return r.error();
          if (r->affected == 1) return started({scope, key, owner}, true);
          break;
        }
        case BeginAction::kInProgress: {
          BeginOutcome o = outcome_of(BeginOutcome::Kind::kInProgress);
          o.retry_after_seconds = decision.retry_after_seconds;
          return o;
        }
        case BeginAction::kReplay: {
          BeginOutcome o = outcome_of(BeginOutcome::Kind::kReplay);
          o.response = std::move((*row)->response);
          return o;
        }
        case BeginAction::kMismatch:
          return outcome_of(BeginOutcome::Kind::kMismatch);
      }
    }
    return Error::make(ErrorCode::kAborted, "the idempotency key changed while it was being claimed");
  };
  auto op = db_.transact<BeginOutcome>(std::move(body), deadline);
  co_return co_await std::move(op);
}

Result<void> IdempotencyStore::complete(sql::Transaction& tx, const IdempotencyClaim& claim,
                                        const StoredResponse& response) const {
  if (auto valid = check_response(response); !valid) return valid;
  const std::vector<Value> params{internal::wall_now_ms(options_.clock),
                                  std::int64_t{response.status},
                                  headers_to_json(response.headers),
                                  response.body,
                                  claim.scope,
                                  claim.key,
                                  claim.owner};
  auto r = tx.execute(
      "UPDATE idempotency_keys SET owner = NULL, completed_at_ms = ?, response_status = ?, response_headers "
      "= ?, "
      "response_body = ? WHERE scope = ? AND idem_key = ? AND owner = ? AND completed_at_ms IS NULL",
      params);
  if (!r) return r.error();
  if (r->affected != 1)
    return Error::conflict(
        "the Idempotency-Key was taken over by a later attempt; this one must not take effect");
  return ok();
}

asio::awaitable<Result<void>> IdempotencyStore::complete(IdempotencyClaim claim, StoredResponse response,
                                                         Deadline deadline) {
  auto body = [this, claim = std::move(claim), response = std::move(response)](sql::Transaction& tx) {
    return complete(tx, claim, response);
  };
  auto op = db_.transact<void>(std::move(body), deadline);
  co_return co_await std::move(op);
}

asio::awaitable<Result<void>> IdempotencyStore::abandon(IdempotencyClaim claim, Deadline deadline) {
  auto body = [claim = std::move(claim)](sql::Transaction& tx) -> Result<void> {
    const std::vector<Value> params{claim.scope, claim.key, claim.owner};
    auto r = tx.execute(
        "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND owner = ? AND completed_at_ms IS "
        "NULL",
        params);
    if (!r) return r.error();
    return ok();
  };
  auto op = db_.transact<void>(std::move(body), deadline);
  co_return co_await std::move(op);
}

}  // namespace cafe::bus
