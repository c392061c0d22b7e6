// The Idempotency-Key store on both backends: one effect per key, the
// original answer replayed, duplicates in flight told when to come back,
// and an attempt that outlived its lease fenced off.
#include "platform/bus/idempotency.h"

#include "bus_store_fixture.h"

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Kind = BeginOutcome::Kind;

const StoredResponse kCreated{
    .status = 201,
    .headers = {{"Location", "/api/orders/ord_1"}, {"Content-Type", "application/json"}},
    .body = R"({"order_id":"ord_1","status":"PENDING_PAYMENT"})"};

class Idempotency : public BusStore {
 protected:
  IdempotencyStore store(sql::Database& db) {
    return IdempotencyStore(db, {.rules = {.lease = 30s, .max_retry_after_seconds = 5}, .clock = &clock_});
  }
  Result<BeginOutcome> begin(IdempotencyStore& keys, const std::string& key, const std::string& body,
                             const std::string& scope = "orders") {
    const std::string fingerprint = request_fingerprint("POST", "/api/orders", body);
    return run([&]() -> asio::awaitable<Result<BeginOutcome>> {
      co_return co_await keys.begin(scope, key, fingerprint, Deadline::after(10s));
    });
  }
  // The request's effect and its response, committed together.
  Result<void> complete_with_effect(sql::Database& db, IdempotencyStore& keys, const IdempotencyClaim& claim,
                                    const StoredResponse& response) {
    return transact(db, [&](sql::Transaction& tx) -> Result<void> {
      if (auto r = apply_effect(tx, "order", claim.key); !r) return r;
      return keys.complete(tx, claim, response);
    });
  }
  Result<void> abandon(IdempotencyStore& keys, const IdempotencyClaim& claim) {
    return run([&]() -> asio::awaitable<Result<void>> {
      co_return co_await keys.abandon(claim, Deadline::after(10s));
    });
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, Idempotency, kBackends, backend_name);

TEST_P(Idempotency, ADuplicateWhileTheFirstRunsIsToldToComeBack) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  auto first = begin(keys, "k1", "{}");
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->kind, Kind::kStarted);
  EXPECT_FALSE(first->took_over);
  EXPECT_EQ(first->claim.key, "k1");
  clock_.advance(28s);
  auto second = begin(keys, "k1", "{}");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->kind, Kind::kInProgress);
  EXPECT_EQ(second->retry_after_seconds, 2);
  const Error e = to_error(*second);
  EXPECT_EQ(e.code, ErrorCode::kConflict);
  EXPECT_EQ(e.retry_after_seconds, 2);
}

TEST_P(Idempotency, ACompletedKeyAnswersWithTheOriginalResponse) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  auto first = begin(keys, "k1", "{\"n\":1}");
  ASSERT_TRUE(first);
  ASSERT_TRUE(complete_with_effect(*db, keys, first->claim, kCreated));
  auto again = begin(keys, "k1", "{\"n\":1}");
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(again->kind, Kind::kReplay);
  EXPECT_EQ(again->response, kCreated);
  EXPECT_EQ(count(*db, "effects"), 1);
}

TEST_P(Idempotency, TheSameKeyWithAnotherBodyIsAConflict) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  auto first = begin(keys, "k1", "{\"n\":1}");
  ASSERT_TRUE(first);
  auto other = begin(keys, "k1", "{\"n\":2}");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->kind, Kind::kMismatch);
  EXPECT_EQ(to_error(*other).code, ErrorCode::kConflict);
  EXPECT_EQ(to_error(*other).retry_after_seconds, 0);
  ASSERT_TRUE(complete_with_effect(*db, keys, first->claim, kCreated));
  EXPECT_EQ(begin(keys, "k1", "{\"n\":2}")->kind, Kind::kMismatch);
}

TEST_P(Idempotency, AnAbandonedKeyStartsAfresh) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  auto first = begin(keys, "k1", "{}");
  ASSERT_TRUE(first);
  ASSERT_TRUE(abandon(keys, first->claim));
  auto retry = begin(keys, "k1", "{}");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->kind, Kind::kStarted);
  EXPECT_NE(retry->claim.owner, first->claim.owner);
  // The first attempt's abandon, repeated late, does not free the retry's key.
  ASSERT_TRUE(abandon(keys, first->claim));
  EXPECT_EQ(begin(keys, "k1", "{}")->kind, Kind::kInProgress);
}

// A replica that died (or stalled) mid-request: the client's retry takes
// the key over after the lease, and the stalled attempt can no longer
// commit its effect.
TEST_P(Idempotency, AnAttemptPastItsLeaseIsTakenOverAndFencedOff) {
  auto db_a = open();
  auto db_b = open();
  ASSERT_TRUE(db_a && db_b);
  IdempotencyStore replica_a = store(*db_a);
  IdempotencyStore replica_b = store(*db_b);
  auto stalled = begin(replica_a, "k1", "{}");
  ASSERT_TRUE(stalled);
  clock_.advance(31s);
  auto retry = begin(replica_b, "k1", "{}");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->kind, Kind::kStarted);
  EXPECT_TRUE(retry->took_over);

  auto late = complete_with_effect(*db_a, replica_a, stalled->claim, kCreated);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_EQ(count(*db_a, "effects"), 0);

  StoredResponse second = kCreated;
  second.body = R"({"order_id":"ord_2"})";
  ASSERT_TRUE(complete_with_effect(*db_b, replica_b, retry->claim, second));
  EXPECT_EQ(count(*db_a, "effects"), 1);
  auto after = begin(replica_a, "k1", "{}");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->kind, Kind::kReplay);
  EXPECT_EQ(after->response, second);
}

TEST_P(Idempotency, ConcurrentDuplicatesStartTheRequestOnce) {
  constexpr int kDuplicates = 8;
  std::vector<std::unique_ptr<sql::Database>> replicas;
  std::vector<IdempotencyStore> stores;
  for (int i = 0; i < 2; ++i) {
    replicas.push_back(open());
    ASSERT_TRUE(replicas.back());
  }
  for (auto& db : replicas) stores.push_back(store(*db));
  const std::string fingerprint = request_fingerprint("POST", "/api/orders", "{}");
  std::vector<std::future<Result<BeginOutcome>>> results;
  for (int i = 0; i < kDuplicates; ++i) {
    IdempotencyStore& keys = stores[static_cast<std::size_t>(i) % stores.size()];
    results.push_back(start([&keys, &fingerprint]() -> asio::awaitable<Result<BeginOutcome>> {
      co_return co_await keys.begin("orders", "k1", fingerprint, Deadline::after(10s));
    }));
  }
  int started = 0;
  int in_progress = 0;
  for (auto& f : results) {
    ASSERT_TRUE(ready_soon(f));
    auto outcome = f.get();
    ASSERT_TRUE(outcome) << outcome.error().detail;
    started += outcome->kind == Kind::kStarted ? 1 : 0;
    in_progress += outcome->kind == Kind::kInProgress ? 1 : 0;
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(in_progress, kDuplicates - 1);
}

TEST_P(Idempotency, CompletesInATransactionOfItsOwn) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  auto first = begin(keys, "k1", "{}");
  ASSERT_TRUE(first);
  const StoredResponse declined{.status = 422, .headers = {}, .body = R"({"title":"insufficient stock"})"};
  ASSERT_TRUE(run([&]() -> asio::awaitable<Result<void>> {
    co_return co_await keys.complete(first->claim, declined, Deadline::after(10s));
  }));
  auto again = begin(keys, "k1", "{}");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, Kind::kReplay);
  EXPECT_EQ(again->response, declined);
}

TEST_P(Idempotency, ScopesKeepTheirKeysApart) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  EXPECT_EQ(begin(keys, "k1", "{}", "customer-1")->kind, Kind::kStarted);
  EXPECT_EQ(begin(keys, "k1", "{\"other\":1}", "customer-2")->kind, Kind::kStarted);
}

TEST_P(Idempotency, RefusesBadKeysAndResponsesItCannotStore) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys = store(*db);
  for (const std::string& key : {std::string(), std::string(256, 'k'), std::string("two words")}) {
    auto r = begin(keys, key, "{}");
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  auto empty_scope = begin(keys, "k1", "{}", "");
  ASSERT_FALSE(empty_scope);
  EXPECT_EQ(empty_scope.error().code, ErrorCode::kInvalidArgument);

  auto first = begin(keys, "k1", "{}");
  ASSERT_TRUE(first);
  const StoredResponse unstorable[] = {
      {.status = 0, .headers = {}, .body = "{}"},
      {.status = 201, .headers = {}, .body = std::string(kMaxStoredResponseBytes + 1, 'x')},
      {.status = 201,
       .headers = std::vector<std::pair<std::string, std::string>>(kMaxStoredHeaders + 1, {"X", "y"}),
       .body = "{}"},
      {.status = 201, .headers = {}, .body = std::string("bad \xff utf-8")},
      {.status = 201, .headers = {}, .body = std::string("nul \0 inside", 12)},
  };
  for (const StoredResponse& response : unstorable) {
    auto r = complete_with_effect(*db, keys, first->claim, response);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().detail;
  }
  EXPECT_EQ(count(*db, "effects"), 0);
  EXPECT_EQ(begin(keys, "k1", "{}")->kind, Kind::kInProgress);
}

}  // namespace
}  // namespace cafe::bus::testing
