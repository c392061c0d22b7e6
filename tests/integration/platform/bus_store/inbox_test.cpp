// The inbox: an event's effect happens once per consumer, however often it
// is delivered, and stale versions are recognised.
#include "platform/bus/inbox.h"

#include "bus_store_fixture.h"

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Event event_for(const std::string& key, std::int64_t version) {
  return make_event({.type = "OrderCompleted",
                     .source = "order",
                     .partition_key = key,
                     .version = version,
                     .data = boost::json::object{},
                     .trace_id = {}});
}

class Inbox : public BusStore {
 protected:
  // Handles `event` as the consumer would: admit, then apply the effect.
  Result<Admission> deliver(sql::Database& db, const std::string& consumer, const Event& event) {
    const bus::Inbox inbox(&clock_);
    return run([&]() -> asio::awaitable<Result<Admission>> {
      auto body = [&](sql::Transaction& tx) -> Result<Admission> {
        auto admitted = inbox.admit(tx, consumer, event);
        if (!admitted) return admitted.error();
        if (*admitted == Admission::kApply) {
          if (auto r = apply_effect(tx, consumer, event.event_id); !r) return r.error();
        }
        return *admitted;
      };
      auto op = db.transact<Admission>(body);
      co_return co_await std::move(op);
    });
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, Inbox, kBackends, backend_name);

TEST_P(Inbox, RecordsEachEventOncePerConsumer) {
  auto db = open();
  ASSERT_TRUE(db);
  const Event e = event_for("ord_1", 1);
  EXPECT_EQ(deliver(*db, "loyalty", e).value(), Admission::kApply);
  EXPECT_EQ(deliver(*db, "loyalty", e).value(), Admission::kDuplicate);
  EXPECT_EQ(deliver(*db, "analytics", e).value(), Admission::kApply);
  EXPECT_EQ(count(*db, "effects"), 2);
  EXPECT_EQ(count(*db, "inbox_events"), 2);
}

TEST_P(Inbox, AnEffectRolledBackLeavesItsEventUnrecorded) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Inbox inbox(&clock_);
  const Event e = event_for("ord_1", 1);
  auto failed = transact(*db, [&](sql::Transaction& tx) -> Result<void> {
    auto first = inbox.record(tx, "loyalty", e.event_id);
    if (!first) return first.error();
    EXPECT_TRUE(*first);
    return Error::unavailable("the ledger is unavailable");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(count(*db, "inbox_events"), 0);
  EXPECT_EQ(deliver(*db, "loyalty", e).value(), Admission::kApply);
}

TEST_P(Inbox, ConcurrentDeliveriesOfOneEventApplyItOnce) {
  constexpr int kDeliveries = 8;
  std::vector<std::unique_ptr<sql::Database>> replicas;
  for (int i = 0; i < 2; ++i) {
    replicas.push_back(open());
    ASSERT_TRUE(replicas.back());
  }
  const bus::Inbox inbox(&clock_);
  const Event e = event_for("ord_1", 1);
  std::vector<std::future<Result<Admission>>> results;
  for (int i = 0; i < kDeliveries; ++i) {
    sql::Database& db = *replicas[static_cast<std::size_t>(i) % replicas.size()];
    results.push_back(start([&db, &inbox, &e]() -> asio::awaitable<Result<Admission>> {
      auto body = [&](sql::Transaction& tx) -> Result<Admission> {
        auto admitted = inbox.admit(tx, "loyalty", e);
        if (!admitted) return admitted.error();
        if (*admitted == Admission::kApply) {
          if (auto r = apply_effect(tx, "loyalty", e.event_id); !r) return r.error();
        }
        return *admitted;
      };
      auto op = db.transact<Admission>(body, Deadline::after(10s));
      co_return co_await std::move(op);
    }));
  }
  int applied = 0;
  for (auto& f : results) {
    ASSERT_TRUE(ready_soon(f));
    auto admitted = f.get();
    ASSERT_TRUE(admitted) << admitted.error().detail;
    applied += *admitted == Admission::kApply ? 1 : 0;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(count(*replicas[0], "effects"), 1);
}

TEST_P(Inbox, AdvanceKeepsTheHighestVersionPerKeyAndConsumer) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Inbox inbox(&clock_);
  auto advance = [&](const std::string& consumer, const std::string& key, std::int64_t version) {
    bool newer = false;
    auto r = transact(*db, [&](sql::Transaction& tx) -> Result<void> {
      auto a = inbox.advance(tx, consumer, key, version);
      if (!a) return a.error();
      newer = *a;
      return ok();
    });
    EXPECT_TRUE(r) << r.error().detail;
    return newer;
  };
  EXPECT_TRUE(advance("order", "ord_1", 1));
  EXPECT_TRUE(advance("order", "ord_1", 3));
  EXPECT_FALSE(advance("order", "ord_1", 2));
  EXPECT_FALSE(advance("order", "ord_1", 3));
  EXPECT_TRUE(advance("order", "ord_1", 4));
  EXPECT_TRUE(advance("order", "ord_2", 1));
  EXPECT_TRUE(advance("loyalty", "ord_1", 2));
}

TEST_P(Inbox, AdmitDropsAnEventOlderThanOneAppliedForItsKey) {
  auto db = open();
  ASSERT_TRUE(db);
  const Event paid = event_for("ord_1", 2);
  const Event placed = event_for("ord_1", 1);
  EXPECT_EQ(deliver(*db, "order-status", paid).value(), Admission::kApply);
  EXPECT_EQ(deliver(*db, "order-status", placed).value(), Admission::kStale);
  EXPECT_EQ(deliver(*db, "order-status", placed).value(), Admission::kDuplicate);
  EXPECT_EQ(count(*db, "effects"), 1);
}

TEST_P(Inbox, RefusesEmptyAndOverlongNames) {
  auto db = open();
  ASSERT_TRUE(db);
  const bus::Inbox inbox(&clock_);
  for (const auto& [consumer, id] : std::vector<std::pair<std::string, std::string>>{
           {"", "e1"}, {std::string(65, 'c'), "e1"}, {"loyalty", ""}, {"loyalty", std::string(129, 'e')}}) {
    auto r = transact(*db, [&](sql::Transaction& tx) -> Result<void> {
      auto recorded = inbox.record(tx, consumer, id);
      if (!recorded) return recorded.error();
      return ok();
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cafe::bus::testing
