// The relay against a real embedded bus, on both stores: what services
// commit reaches the bus in order, one replica relays at a time, and an
// outage of the bus or of the store delays events without losing any.
#include "platform/bus/outbox_relay.h"

#include "bus_fixture.h"
#include "platform/bus/outbox.h"
#include "platform/faults/faulty_database.h"
#include "platform/telemetry/metrics.h"

#include <map>
#include <set>

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Event order_event(const std::string& order_id, std::int64_t version, const std::string& type) {
  return make_event({.type = type,
                     .source = "order",
                     .partition_key = order_id,
                     .version = version,
                     .data = boost::json::object{{"order_id", order_id}},
                     .trace_id = {}});
}

class Relay : public WithBus {
 protected:
  void SetUp() override {
    WithBus::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(declare_queue("payments"));
    ASSERT_TRUE(declare_stream("orders"));
  }

  OutboxRelayOptions options(std::string holder) {
    return {.holder = std::move(holder),
            .lease_name = "outbox-relay",
            .lease_ttl = 1'500ms,
            .batch_size = 4,  // small, so a few events take several rounds
            .poll_interval = 20ms,
            .store_timeout = 2s,
            .publish_timeout = 1s,
            .lag_interval = 20ms,
            .backoff = {.base = 10ms, .cap = 100ms},
            .clock = &clock_,
            .metrics = nullptr,
            .seed = 7};
  }

  OutboxRelay& start_relay(sql::Database& db, OutboxRelayOptions o) {
    auto relay = OutboxRelay::create(db, *bus_, std::move(o));
    EXPECT_TRUE(relay) << relay.error().detail;
    relays_.push_back(std::move(*relay));
    OutboxRelay& r = *relays_.back();
    relay_tasks_.push_back(spawn("outbox-relay", [&r] { return r.run(); }));
    return r;
  }

  // Commits `event` for `to` as a service does, in its own transaction.
  void commit(sql::Database& db, const Event& event, const Destination& to) {
    const bus::Outbox outbox(&clock_);
    ASSERT_TRUE(transact(db, [&](sql::Transaction& tx) -> Result<void> {
      if (auto r = apply_effect(tx, "order", event.event_id); !r) return r;
      return outbox.add(tx, event, to);
    }));
  }

  void TearDown() override {
    // Relays stop before they are destroyed.
    for (std::size_t task : relay_tasks_) EXPECT_TRUE(stop(task));
    WithBus::TearDown();
  }

  faults::Registry registry_{1};  // outlives the stores that ask it (TearDown drops them)
  std::vector<std::unique_ptr<OutboxRelay>> relays_;
  std::vector<std::size_t> relay_tasks_;
};
INSTANTIATE_TEST_SUITE_P(Backends, Relay, kBackends, backend_name);

TEST_P(Relay, PublishesWhatWasCommittedToQueuesAndStreamsInOrder) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  std::map<std::string, std::vector<std::string>> stream_ids;  // per order, in commit order
  std::set<std::string> queue_ids;
  for (int v = 1; v <= 5; ++v) {
    for (const std::string order : {"ord_1", "ord_2"}) {
      const Event placed = order_event(order, v, "OrderStatusChanged");
      commit(*db, placed, Destination::stream("orders"));
      stream_ids[order].push_back(placed.event_id);
    }
    const Event payment = order_event("ord_1", v, "PaymentRequested");
    commit(*db, payment, Destination::queue("payments"));
    queue_ids.insert(payment.event_id);
  }
  OutboxRelay& relay = start_relay(*db, options("order-1"));

  const auto records = read("orders", 10);
  ASSERT_EQ(records.size(), 10u);
  std::map<std::string, std::vector<std::string>> seen;
  for (const auto& record : records) {
    seen[record.partition_key].push_back(record.id);
    auto event = parse_event(record.body);
    ASSERT_TRUE(event) << event.error().detail;
    EXPECT_EQ(event->event_id, record.id);
  }
  EXPECT_EQ(seen, stream_ids);
  const auto messages = receive("payments", 5);
  std::set<std::string> received;
  for (const auto& m : messages) received.insert(m.id);
  EXPECT_EQ(received, queue_ids);

  EXPECT_TRUE(eventually([&] {
    const OutboxLag lag = relay.lag();
    return lag.lease_held && lag.published == 15 && lag.pending == 0;
  }));
  EXPECT_EQ(query(*db, "SELECT COUNT(*) FROM outbox_events WHERE sent_at_ms IS NULL").rows[0][0],
            sql::Value{std::int64_t{0}});
}

TEST_P(Relay, NotifyPublishesWithoutWaitingForThePoll) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  OutboxRelayOptions slow = options("order-1");
  slow.poll_interval = 60s;
  slow.lease_ttl = 120s;
  OutboxRelay& relay = start_relay(*db, slow);
  ASSERT_TRUE(eventually([&] { return relay.lag().lease_held; }));

  const Event payment = order_event("ord_1", 1, "PaymentRequested");
  commit(*db, payment, Destination::queue("payments"));
  const auto began = std::chrono::steady_clock::now();
  relay.notify();
  const auto messages = receive("payments", 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].id, payment.event_id);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 10s);  // the poll would have taken 60 s
}

TEST_P(Relay, OneReplicaRelaysAtATimeAndAStandbyTakesOverWhenItStops) {
  sql::Database* db_a = replica();
  sql::Database* db_b = replica();
  ASSERT_TRUE(db_a && db_b);
  OutboxRelay& a = start_relay(*db_a, options("order-a"));
  OutboxRelay& b = start_relay(*db_b, options("order-b"));
  ASSERT_TRUE(eventually([&] { return a.lag().lease_held != b.lag().lease_held; }));
  const bool a_holds = a.lag().lease_held;
  OutboxRelay& holder = a_holds ? a : b;
  OutboxRelay& standby = a_holds ? b : a;
  sql::Database& standby_db = a_holds ? *db_b : *db_a;

  std::set<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    const Event e = order_event("ord_" + std::to_string(i), 1, "PaymentRequested");
    commit(standby_db, e, Destination::queue("payments"));
    ids.insert(e.event_id);
  }
  ASSERT_TRUE(eventually([&] { return holder.lag().published == 10; }));
  EXPECT_EQ(standby.lag().published, 0u);

  // The holder stops cleanly and gives the lease up; the standby takes it
  // within a third of the lease's ttl.
  ASSERT_TRUE(stop(relay_tasks_[a_holds ? 0 : 1]));
  EXPECT_FALSE(holder.lag().lease_held);
  for (int i = 10; i < 20; ++i) {
    const Event e = order_event("ord_" + std::to_string(i), 1, "PaymentRequested");
    commit(standby_db, e, Destination::queue("payments"));
    ids.insert(e.event_id);
  }
  ASSERT_TRUE(eventually([&] { return standby.lag().lease_held && standby.lag().published == 10; }));

  const auto messages = receive("payments", 20);
  std::multiset<std::string> received;
  for (const auto& m : messages) received.insert(m.id);
  EXPECT_EQ(received.size(), 20u);
  EXPECT_EQ(std::set<std::string>(received.begin(), received.end()), ids);
  EXPECT_TRUE(peek("payments", 100ms).empty());
}

TEST_P(Relay, KeepsEventsThroughABusOutageAndCatchesUpAfterIt) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  telemetry::Metrics metrics("order");
  OutboxRelayOptions o = options("order-1");
  o.metrics = &metrics;
  OutboxRelay& relay = start_relay(*db, o);
  ASSERT_TRUE(eventually([&] { return relay.lag().lease_held; }));

  const std::uint16_t port = bus_port_;
  stop_bus();
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const Event e = order_event("ord_" + std::to_string(i), 1, "PaymentRequested");
    commit(*db, e, Destination::queue("payments"));
    ids.insert(e.event_id);
  }
  relay.notify();
  clock_.advance(30s);  // the events wait, and their age shows it
  ASSERT_TRUE(eventually([&] {
    const OutboxLag lag = relay.lag();
    return lag.failed_rounds >= 3 && lag.pending == 6 && lag.oldest_pending_age >= 30s;
  }));
  EXPECT_EQ(relay.lag().published, 0u);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("cloudcafe_outbox_pending_events{service=\"order\"} 6"), std::string::npos) << text;
  EXPECT_NE(text.find("cloudcafe_outbox_oldest_pending_age_seconds{service=\"order\"} 30"),
            std::string::npos);
  EXPECT_NE(text.find("cloudcafe_outbox_relay_lease_held{service=\"order\"} 1"), std::string::npos);
  EXPECT_EQ(text.find("cloudcafe_outbox_relay_failures_total{service=\"order\"} 0"), std::string::npos);

  start_bus(port);
  const auto messages = receive("payments", 6);
  std::set<std::string> received;
  for (const auto& m : messages) received.insert(m.id);
  EXPECT_EQ(received, ids);
  EXPECT_TRUE(eventually([&] { return relay.lag().pending == 0 && relay.lag().published == 6; }));
  EXPECT_NE(metrics.render().find("cloudcafe_outbox_published_total{service=\"order\"} 6"),
            std::string::npos);
}

TEST_P(Relay, BacksOffWhileTheStoreFailsAndLosesNothing) {
  auto inner = open();
  ASSERT_TRUE(inner);
  faults::Registry& registry = registry_;
  sql::Database* db = &keep(faults::with_faults(std::move(inner), registry));
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const Event e = order_event("ord_" + std::to_string(i), 1, "PaymentRequested");
    commit(*db, e, Destination::queue("payments"));
    ids.insert(e.event_id);
  }
  auto fault = registry.add({.id = {},
                             .kind = faults::Kind::kError,
                             .target = "dependency:store",
                             .probability = 1.0,
                             .latency = 0ms,
                             .status = 503,
                             .expires_at = std::chrono::system_clock::now() + 5min},
                            std::chrono::system_clock::now());
  ASSERT_TRUE(fault) << fault.error().detail;
  OutboxRelay& relay = start_relay(*db, options("order-1"));
  ASSERT_TRUE(eventually([&] { return relay.lag().failed_rounds >= 3; }));
  EXPECT_TRUE(peek("payments", 0ms).empty());

  ASSERT_TRUE(registry.remove(fault->id));
  const auto messages = receive("payments", 3);
  std::set<std::string> received;
  for (const auto& m : messages) received.insert(m.id);
  EXPECT_EQ(received, ids);
  EXPECT_TRUE(eventually([&] { return relay.lag().pending == 0; }));
}

TEST_P(Relay, AQueuedEventsDelayCountsFromWhenItWasCommitted) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  const Event later = order_event("ord_1", 1, "PaymentDeadline");
  commit(*db, later, Destination::queue("payments", 2s));
  const Event now = order_event("ord_2", 1, "PaymentRequested");
  commit(*db, now, Destination::queue("payments"));
  // Time the relay was down for: the delay has already run out.
  clock_.advance(3s);
  OutboxRelay& relay = start_relay(*db, options("order-1"));
  ASSERT_TRUE(eventually([&] { return relay.lag().published == 2; }));
  // Both are visible at once: a delay counted from the publish would hide
  // the first for two more seconds.
  EXPECT_EQ(peek("payments", 0ms).size(), 2u);
}

TEST_P(Relay, AQueuedEventWaitsOutTheRestOfItsDelay) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  commit(*db, order_event("ord_1", 1, "PaymentDeadline"), Destination::queue("payments", 10s));
  OutboxRelay& relay = start_relay(*db, options("order-1"));
  ASSERT_TRUE(eventually([&] { return relay.lag().published == 1; }));
  EXPECT_TRUE(peek("payments", 0ms).empty());
}

TEST_P(Relay, RefusesOptionsItCannotRunWith) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  OutboxRelayOptions no_holder = options("");
  EXPECT_EQ(OutboxRelay::create(*db, *bus_, no_holder).error().code, ErrorCode::kInvalidArgument);
  OutboxRelayOptions big_batch = options("order-1");
  big_batch.batch_size = kMaxBatch + 1;
  EXPECT_EQ(OutboxRelay::create(*db, *bus_, big_batch).error().code, ErrorCode::kInvalidArgument);
  OutboxRelayOptions no_poll = options("order-1");
  no_poll.poll_interval = 0ms;
  EXPECT_EQ(OutboxRelay::create(*db, *bus_, no_poll).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cafe::bus::testing
