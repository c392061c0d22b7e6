// Outbox::add inside a service's transaction, and the leases that keep one
// relay at a time.
#include "platform/bus/outbox.h"

#include "bus_store_fixture.h"
#include "platform/bus/lease.h"

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Event order_event(const std::string& order_id, std::int64_t version, std::string type = "OrderPlaced") {
  return make_event({.type = std::move(type),
                     .source = "order",
                     .partition_key = order_id,
                     .version = version,
                     .data = boost::json::object{{"order_id", order_id}},
                     .trace_id = {}});
}

class Outbox : public BusStore {};
INSTANTIATE_TEST_SUITE_P(Backends, Outbox, kBackends, backend_name);

TEST_P(Outbox, StoresTheEventInTheTransactionOfTheStateChange) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Outbox outbox(&clock_);
  const Event placed = order_event("ord_1", 1);
  ASSERT_TRUE(transact(*db, [&](sql::Transaction& tx) -> Result<void> {
    if (auto r = apply_effect(tx, "order", "ord_1"); !r) return r;
    return outbox.add(tx, placed, Destination::stream("orders"));
  }));
  const auto rows =
      query(*db,
            "SELECT event_id, event_type, destination_kind, destination, partition_key, body, delay_ms, "
            "created_at_ms, sent_at_ms FROM outbox_events");
  ASSERT_EQ(rows.size(), 1u);
  sql::RowReader r(rows.rows[0]);
  EXPECT_EQ(r.text(), placed.event_id);
  EXPECT_EQ(r.text(), "OrderPlaced");
  EXPECT_EQ(r.text(), "stream");
  EXPECT_EQ(r.text(), "orders");
  EXPECT_EQ(r.text(), "ord_1");
  EXPECT_EQ(r.text(), to_json(placed));
  EXPECT_EQ(r.integer(), 0);
  EXPECT_EQ(r.integer(), clock_.now_ms());
  EXPECT_FALSE(r.nullable_integer().has_value());
  EXPECT_TRUE(r.status());
}

TEST_P(Outbox, AnEventIsRolledBackWithItsStateChange) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Outbox outbox(&clock_);
  auto failed = transact(*db, [&](sql::Transaction& tx) -> Result<void> {
    if (auto r = outbox.add(tx, order_event("ord_1", 1), Destination::queue("payments")); !r) return r;
    if (auto r = apply_effect(tx, "order", "ord_1"); !r) return r;
    return Error::make(ErrorCode::kFailedPrecondition, "insufficient stock");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(count(*db, "outbox_events"), 0);
  EXPECT_EQ(count(*db, "effects"), 0);
}

TEST_P(Outbox, RefusesWhatTheRelayCouldNeverPublish) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Outbox outbox(&clock_);
  Event bad_type = order_event("ord_1", 1);
  bad_type.type = "order placed";
  const std::pair<Event, Destination> refused[] = {
      {bad_type, Destination::stream("orders")},
      {order_event("ord_1", 1), Destination::stream("Orders")},
      {order_event("ord_1", 1), Destination{Destination::Kind::kStream, "orders", 10ms}},
      {order_event("ord_1", 1), Destination::queue("payments", -1ms)},
      {order_event("ord_1", 1), Destination::queue("payments", 16min)},
  };
  for (const auto& [event, to] : refused) {
    auto r = transact(*db, [&, &event = event, &to = to](sql::Transaction& tx) -> Result<void> {
      if (auto e = apply_effect(tx, "order", "ord_1"); !e) return e;
      return outbox.add(tx, event, to);
    });
    ASSERT_FALSE(r) << to.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().detail;
  }
  EXPECT_EQ(count(*db, "outbox_events"), 0);
  EXPECT_EQ(count(*db, "effects"), 0);
}

TEST_P(Outbox, TheSameEventTwiceFailsTheWholeTransaction) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Outbox outbox(&clock_);
  const Event placed = order_event("ord_1", 1);
  auto r = transact(*db, [&](sql::Transaction& tx) -> Result<void> {
    if (auto e = apply_effect(tx, "order", "ord_1"); !e) return e;
    if (auto e = outbox.add(tx, placed, Destination::stream("orders")); !e) return e;
    return outbox.add(tx, placed, Destination::queue("payments"));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(count(*db, "outbox_events"), 0);
  EXPECT_EQ(count(*db, "effects"), 0);
}

TEST_P(Outbox, NumbersEventsInTheOrderTheyWereWritten) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Outbox outbox(&clock_);
  std::vector<std::string> ids;
  for (int v = 1; v <= 5; ++v) {
    const Event e = order_event("ord_1", v);
    ids.push_back(e.event_id);
    ASSERT_TRUE(transact(
        *db, [&](sql::Transaction& tx) { return outbox.add(tx, e, Destination::stream("orders")); }));
  }
  const auto rows = query(*db, "SELECT event_id FROM outbox_events ORDER BY seq");
  ASSERT_EQ(rows.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(*sql::as_text(rows.rows[i][0]), ids[i]);
}

class Leases : public BusStore {
 protected:
  Lease lease(sql::Database& db, std::string holder, std::chrono::milliseconds ttl = 10s) {
    return Lease(db, {.name = "outbox-relay", .holder = std::move(holder), .ttl = ttl, .clock = &clock_});
  }
  Result<bool> acquire(Lease& l) {
    return run(
        [&l]() -> asio::awaitable<Result<bool>> { co_return co_await l.acquire(Deadline::after(5s)); });
  }
  Result<void> release(Lease& l) {
    return run(
        [&l]() -> asio::awaitable<Result<void>> { co_return co_await l.release(Deadline::after(5s)); });
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, Leases, kBackends, backend_name);

TEST_P(Leases, OneHolderAtATime) {
  auto db_a = open();
  auto db_b = open();
  ASSERT_TRUE(db_a && db_b);
  Lease a = lease(*db_a, "order-1");
  Lease b = lease(*db_b, "order-2");
  EXPECT_EQ(acquire(a).value(), true);
  EXPECT_EQ(acquire(b).value(), false);
  EXPECT_EQ(acquire(a).value(), true);  // renewed
  EXPECT_TRUE(a.held(clock_.steady_now()));
  EXPECT_FALSE(b.held(clock_.steady_now()));
  EXPECT_FALSE(a.due_for_renewal(clock_.steady_now()));
  clock_.advance(4s);
  EXPECT_TRUE(a.due_for_renewal(clock_.steady_now()));
}

TEST_P(Leases, ALeaseItsHolderLetExpireIsTakenOver) {
  auto db = open();
  ASSERT_TRUE(db);
  Lease a = lease(*db, "order-1");
  Lease b = lease(*db, "order-2");
  ASSERT_EQ(acquire(a).value(), true);
  clock_.advance(9s);
  EXPECT_EQ(acquire(b).value(), false);
  clock_.advance(2s);
  EXPECT_FALSE(a.held(clock_.steady_now()));
  EXPECT_EQ(acquire(b).value(), true);
  EXPECT_EQ(acquire(a).value(), false);
}

TEST_P(Leases, AReleasedLeaseIsFreeAtOnce) {
  auto db = open();
  ASSERT_TRUE(db);
  Lease a = lease(*db, "order-1");
  Lease b = lease(*db, "order-2");
  ASSERT_EQ(acquire(a).value(), true);
  ASSERT_TRUE(release(b));  // not its to give
  EXPECT_EQ(acquire(b).value(), false);
  ASSERT_TRUE(release(a));
  EXPECT_FALSE(a.held(clock_.steady_now()));
  EXPECT_EQ(acquire(b).value(), true);
}

TEST_P(Leases, ReplicasRacingForAFreeLeaseElectOne) {
  constexpr int kReplicas = 8;
  std::vector<std::unique_ptr<sql::Database>> dbs;
  std::vector<Lease> leases;
  for (int i = 0; i < kReplicas; ++i) {
    dbs.push_back(open());
    ASSERT_TRUE(dbs.back());
  }
  for (int i = 0; i < kReplicas; ++i) leases.push_back(lease(*dbs[i], "order-" + std::to_string(i)));
  std::vector<std::future<Result<bool>>> results;
  for (auto& l : leases) {
    results.push_back(start(
        [&l]() -> asio::awaitable<Result<bool>> { co_return co_await l.acquire(Deadline::after(10s)); }));
  }
  int holders = 0;
  for (auto& f : results) {
    ASSERT_TRUE(ready_soon(f));
    auto held = f.get();
    ASSERT_TRUE(held) << held.error().detail;
    holders += *held ? 1 : 0;
  }
  EXPECT_EQ(holders, 1);
}

}  // namespace
}  // namespace cafe::bus::testing
