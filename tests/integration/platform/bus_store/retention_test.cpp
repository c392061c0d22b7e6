// Retention keeps the bus tables bounded: old rows go in bounded batches,
// nothing still needed goes with them.
#include "platform/bus/retention.h"

#include "bus_store_fixture.h"
#include "platform/bus/idempotency.h"
#include "platform/bus/inbox.h"
#include "platform/bus/outbox.h"
#include "platform/service/task_group.h"

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Event event_for(const std::string& key) {
  return make_event({.type = "OrderPlaced",
                     .source = "order",
                     .partition_key = key,
                     .version = 1,
                     .data = {},
                     .trace_id = {}});
}

class Retention : public BusStore {
 protected:
  RetentionOptions options() {
    return {.tables = kAllTables,
            .outbox_sent = 1h,
            .inbox = 2h,
            .idempotency = 3h,
            .batch = 1'000,
            .max_batches_per_pass = 100,
            .interval = 10ms,
            .store_timeout = 5s,
            .clock = &clock_};
  }

  // Adds `n` outbox events, marks the first `sent` of them sent now.
  void add_outbox(sql::Database& db, int n, int sent) {
    const bus::Outbox outbox(&clock_);
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      const Event e = event_for("ord_" + std::to_string(i));
      ids.push_back(e.event_id);
      ASSERT_TRUE(transact(
          db, [&](sql::Transaction& tx) { return outbox.add(tx, e, Destination::queue("payments")); }));
    }
    for (int i = 0; i < sent; ++i) {
      ASSERT_TRUE(transact(db, [&](sql::Transaction& tx) -> Result<void> {
        const std::vector<sql::Value> p{clock_.now_ms(), ids[static_cast<std::size_t>(i)]};
        auto r = tx.execute("UPDATE outbox_events SET sent_at_ms = ? WHERE event_id = ?", p);
        if (!r) return r.error();
        return ok();
      }));
    }
  }

  void add_inbox(sql::Database& db, const std::string& event_id) {
    const bus::Inbox inbox(&clock_);
    ASSERT_TRUE(transact(db, [&](sql::Transaction& tx) -> Result<void> {
      if (auto r = inbox.record(tx, "loyalty", event_id); !r) return r.error();
      if (auto r = inbox.advance(tx, "loyalty", event_id, 1); !r) return r.error();
      return ok();
    }));
  }

  Result<RetentionPass> pass(bus::Retention& retention) {
    return run([&]() -> asio::awaitable<Result<RetentionPass>> { co_return co_await retention.run_once(); });
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, Retention, kBackends, backend_name);

TEST_P(Retention, DeletesOnlyRowsOlderThanTheirPeriod) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys(*db, {.rules = {.lease = 30s, .max_retry_after_seconds = 5}, .clock = &clock_});
  auto begin = [&](const std::string& key) {
    return run([&]() -> asio::awaitable<Result<BeginOutcome>> {
      co_return co_await keys.begin("orders", key, "fp", Deadline::after(10s));
    });
  };

  // Four hours ago: outbox events (two sent, one pending), an inbox entry,
  // a completed key and a key whose attempt died.
  add_outbox(*db, 3, 2);
  add_inbox(*db, "old-event");
  auto done = begin("done");
  ASSERT_TRUE(done);
  ASSERT_TRUE(run([&]() -> asio::awaitable<Result<void>> {
    co_return co_await keys.complete(done->claim, {.status = 201, .headers = {}, .body = "{}"},
                                     Deadline::after(10s));
  }));
  ASSERT_TRUE(begin("died"));
  clock_.advance(4h);
  // Now: one more of each, all recent.
  add_outbox(*db, 1, 1);
  add_inbox(*db, "new-event");
  ASSERT_TRUE(begin("recent"));

  auto retention = bus::Retention::create(*db, options());
  ASSERT_TRUE(retention) << retention.error().detail;
  auto deleted = pass(**retention);
  ASSERT_TRUE(deleted) << deleted.error().detail;
  EXPECT_EQ(deleted->outbox, 2);
  EXPECT_EQ(deleted->inbox, 2);  // the old entry and its version mark
  EXPECT_EQ(deleted->idempotency, 2);
  EXPECT_TRUE(deleted->complete);

  EXPECT_EQ(count(*db, "outbox_events"), 2);  // the old pending one and the recent one
  EXPECT_EQ(query(*db, "SELECT COUNT(*) FROM outbox_events WHERE sent_at_ms IS NULL").rows[0][0],
            sql::Value{std::int64_t{1}});
  EXPECT_EQ(query(*db, "SELECT event_id FROM inbox_events").rows,
            (std::vector<std::vector<sql::Value>>{{std::string("new-event")}}));
  EXPECT_EQ(count(*db, "inbox_versions"), 1);
  EXPECT_EQ(query(*db, "SELECT idem_key FROM idempotency_keys").rows,
            (std::vector<std::vector<sql::Value>>{{std::string("recent")}}));

  auto again = pass(**retention);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outbox + again->inbox + again->idempotency, 0);
  EXPECT_EQ((*retention)->totals().outbox, 2);
}

TEST_P(Retention, KeepsAKeyWhoseAttemptStillHoldsItsLease) {
  auto db = open();
  ASSERT_TRUE(db);
  IdempotencyStore keys(*db, {.rules = {.lease = 5h, .max_retry_after_seconds = 5}, .clock = &clock_});
  ASSERT_TRUE(run([&]() -> asio::awaitable<Result<BeginOutcome>> {
    co_return co_await keys.begin("orders", "slow", "fp", Deadline::after(10s));
  }));
  clock_.advance(4h);
  auto retention = bus::Retention::create(*db, options());
  ASSERT_TRUE(retention);
  auto deleted = pass(**retention);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->idempotency, 0);
  EXPECT_EQ(count(*db, "idempotency_keys"), 1);
}

TEST_P(Retention, DeletesInBoundedBatches) {
  auto db = open();
  ASSERT_TRUE(db);
  add_outbox(*db, 5, 5);
  clock_.advance(2h);
  RetentionOptions bounded = options();
  bounded.tables = {.outbox = true, .inbox = false, .idempotency = false};
  bounded.batch = 2;
  bounded.max_batches_per_pass = 2;
  auto retention = bus::Retention::create(*db, bounded);
  ASSERT_TRUE(retention);
  auto first = pass(**retention);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->outbox, 4);
  EXPECT_FALSE(first->complete);
  auto second = pass(**retention);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->outbox, 1);
  EXPECT_TRUE(second->complete);
  EXPECT_EQ(count(*db, "outbox_events"), 0);
}

TEST_P(Retention, RunsAsABackgroundTaskUntilStopped) {
  auto db = open();
  ASSERT_TRUE(db);
  add_outbox(*db, 3, 3);
  clock_.advance(2h);
  auto retention = bus::Retention::create(*db, options());
  ASSERT_TRUE(retention);
  service::TaskGroup tasks;
  bus::Retention& r = **retention;
  ASSERT_TRUE(tasks.spawn(executor(), "bus-retention", [&r] { return r.run(); }));
  EXPECT_TRUE(eventually([&] { return r.totals().outbox == 3; }));
  EXPECT_TRUE(tasks.stop(Deadline::after(5s)));
}

TEST_P(Retention, RefusesOptionsItCannotRunWith) {
  auto db = open();
  ASSERT_TRUE(db);
  RetentionOptions zero_batch = options();
  zero_batch.batch = 0;
  EXPECT_EQ(bus::Retention::create(*db, zero_batch).error().code, ErrorCode::kInvalidArgument);
  RetentionOptions zero_period = options();
  zero_period.inbox = 0ms;
  EXPECT_EQ(bus::Retention::create(*db, zero_period).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cafe::bus::testing
