// Consumers and relays killed with SIGKILL mid-work (bus_worker_process
// against a real `cloudcafe serve bus`): a consumer's messages come back
// after their visibility timeout and their effects still happen once (the
// inbox); a relay killed between publishing and marking sent publishes
// again, the duplicates are absorbed by the inbox, and nothing in the
// outbox is lost.
#include "platform/bus/embedded_bus.h"
#include "platform/bus/event.h"
#include "platform/bus/inbox.h"
#include "platform/bus/store_schema.h"
#include "support/coro_runner.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/service_harness.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <functional>
#include <map>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cafe::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// One bus_worker_process, its stdout and stderr in files; SIGKILLed when destroyed.
class WorkerProcess {
 public:
  WorkerProcess(const std::filesystem::path& dir, std::vector<std::string> args) {
    static int serial = 0;
    out_ = dir / ("worker-" + std::to_string(++serial) + ".out");
    args.insert(args.begin(), CAFE_WORKER_PROCESS);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, CAFE_WORKER_PROCESS, &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~WorkerProcess() { kill(); }
  bool wait_ready(std::chrono::milliseconds within) {
    const auto give_up = Clock::now() + within;
    while (Clock::now() < give_up) {
      if (read_file(out_).find("ready") != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }
  std::string output() const { return read_file(out_); }

 private:
  std::filesystem::path out_;
  pid_t pid_ = 0;
};

Deadline soon() {
  return Deadline::after(5s);
}

std::unique_ptr<sql::Database> open_db(const std::string& path) {
  auto db = sql::open_sqlite({.path = path});
  EXPECT_TRUE(db) << db.error().detail;
  return db ? std::move(*db) : nullptr;
}

// (rows, distinct ids) of the consumer's effects table.
std::pair<std::int64_t, std::int64_t> effects(CoroRunner& run, sql::Database& db) {
  auto rows = run([&]() -> asio::awaitable<Result<sql::Rows>> {
    co_return co_await db.query("SELECT COUNT(*), COUNT(DISTINCT message_id) FROM effects", {}, soon());
  });
  if (!rows || rows->empty()) return {-1, -1};
  return {std::get<std::int64_t>(rows->rows[0][0]), std::get<std::int64_t>(rows->rows[0][1])};
}

class BusWorkerCrash : public testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_unique<ServeProcess>(dir_.path(), "bus", "log: {access_log: false, level: warn}\n",
                                          std::vector<std::string>{"--listen", "127.0.0.1:0"});
    ASSERT_TRUE(bus_->wait_ready(30s)) << bus_->log();
    auto client = bus::open_embedded_bus({.addresses = {bus_->address()}, .caller = "crash-test"});
    ASSERT_TRUE(client) << client.error().detail;
    client_ = std::move(*client);
  }
  void TearDown() override {
    if (client_) client_->close();
    client_.reset();
  }

  TempDir dir_;
  CoroRunner run_;
  std::unique_ptr<ServeProcess> bus_;
  std::unique_ptr<bus::Bus> client_;
};

TEST_F(BusWorkerCrash, AConsumerKilledMidBatchHasItsMessagesRedeliveredAndEachEffectHappensOnce) {
  constexpr int kMessages = 400;
  ASSERT_TRUE(run_([&]() -> asio::awaitable<Result<void>> {
    co_return co_await client_->declare_queue("work", {}, soon());
  }));
  for (int sent = 0; sent < kMessages; sent += 100) {
    std::vector<bus::OutgoingMessage> batch;
    for (int i = sent; i < sent + 100; ++i) batch.push_back({"msg-" + std::to_string(i), "{}", 0ms});
    ASSERT_TRUE(run_(
        [&]() -> asio::awaitable<Result<void>> { co_return co_await client_->send("work", batch, soon()); }));
  }
  const std::string db_path = (dir_.path() / "consumer.db").string();
  const std::vector<std::string> args{"consume", bus_->address(), db_path, "work"};
  {
    WorkerProcess consumer(dir_.path(), args);
    ASSERT_TRUE(consumer.wait_ready(20s)) << consumer.output();
    auto db = open_db(db_path);
    ASSERT_TRUE(db);
    // Kill it once it is well into the queue, with batches in hand.
    while (effects(run_, *db).first < kMessages / 4) std::this_thread::sleep_for(2ms);
    consumer.kill();
    db->close();
  }
  WorkerProcess again(dir_.path(), args);
  ASSERT_TRUE(again.wait_ready(20s)) << again.output();
  auto db = open_db(db_path);
  ASSERT_TRUE(db);
  const auto give_up = Clock::now() + 30s;
  while (effects(run_, *db).second < kMessages && Clock::now() < give_up) std::this_thread::sleep_for(20ms);
  const auto [rows, distinct] = effects(run_, *db);
  EXPECT_EQ(distinct, kMessages) << "messages whose effect never happened";
  EXPECT_EQ(rows, kMessages) << "effects that happened twice";
  // The messages the killed consumer held were received again: more
  // receives than messages.
  std::this_thread::sleep_for(1200ms);  // the bus refreshes its metrics every second
  const auto metrics = get(port_of(bus_->address()), "/metrics").body;
  const auto at = metrics.find("op=\"received\"");
  ASSERT_NE(at, std::string::npos) << metrics;
  const auto line_end = metrics.find('\n', at);
  const auto received = std::stoll(metrics.substr(metrics.rfind(' ', line_end) + 1, line_end));
  std::size_t duplicates = 0;
  for (std::size_t at = 0; (at = again.output().find("duplicate ", at)) != std::string::npos; ++at)
    ++duplicates;
  std::printf(
      "%d messages, %lld receives (the killed consumer's in-hand ones again), %lld effects, %zu "
      "redeliveries whose effect had committed (inbox no-ops)\n",
      kMessages, static_cast<long long>(received), static_cast<long long>(rows), duplicates);
  EXPECT_GT(received, kMessages);
  db->close();
}

TEST_F(BusWorkerCrash, ARelayKilledBetweenPublishingAndMarkingSentLosesNothingAndTheInboxAbsorbsDuplicates) {
  constexpr int kEvents = 300;
  const std::string db_path = (dir_.path() / "producer.db").string();
  auto consumer_db = open_db((dir_.path() / "inbox.db").string());
  ASSERT_TRUE(consumer_db);
  auto tables = bus::store_migrations(1, "sqlite", {.outbox = false, .inbox = true, .idempotency = false});
  ASSERT_TRUE(tables);
  std::vector<sql::Migration> migrations = *tables;
  migrations.push_back({100, "effects", "CREATE TABLE effects (event_id TEXT NOT NULL)"});
  ASSERT_TRUE(consumer_db->migrate(migrations));
  bus::Inbox inbox;
  std::size_t deliveries = 0;
  std::set<std::string> delivered;

  // Consumes what is there, applying each event once through the inbox.
  // Before applying anything, calls `on_unmarked` when a received event is
  // not yet marked sent in the producer's outbox: its relay is between
  // publishing and marking, right now.
  auto consume = [&](sql::Database& producer, std::chrono::milliseconds wait,
                     const std::function<void()>& on_unmarked) {
    auto got = run_([&]() -> asio::awaitable<Result<std::vector<bus::QueueMessage>>> {
      co_return co_await client_->receive("events", {.max_messages = 100, .wait = wait, .visibility = 60s},
                                          soon());
    });
    ASSERT_TRUE(got) << got.error().detail;
    std::vector<bus::Event> events;
    for (const auto& m : *got) {
      auto event = bus::parse_event(m.body);
      ASSERT_TRUE(event) << event.error().detail;
      events.push_back(std::move(*event));
    }
    if (!events.empty() && on_unmarked) {
      std::string sql = "SELECT COUNT(*) FROM outbox_events WHERE sent_at_ms IS NULL AND event_id IN (?";
      std::vector<sql::Value> ids{events[0].event_id};
      for (std::size_t i = 1; i < events.size(); ++i) {
        sql += ", ?";
        ids.push_back(events[i].event_id);
      }
      sql += ")";
      auto pending = run_([&]() -> asio::awaitable<Result<sql::Rows>> {
        co_return co_await producer.query(sql, ids, soon());
      });
      if (pending && std::get<std::int64_t>(pending->rows[0][0]) > 0) on_unmarked();
    }
    for (const auto& event : events) {
      ++deliveries;
      delivered.insert(event.event_id);
      auto applied = run_([&]() -> asio::awaitable<Result<void>> {
        sql::TransactionBody apply = [&inbox, id = event.event_id](sql::Transaction& tx) -> Result<void> {
          auto first = inbox.record(tx, "crash-test", id);
          if (!first) return first.error();
          if (!*first) return {};
          auto inserted =
              tx.execute("INSERT INTO effects (event_id) VALUES (?)", std::vector<sql::Value>{id});
          if (!inserted) return inserted.error();
          return {};
        };
        co_return co_await consumer_db->transact(std::move(apply), soon());
      });
      ASSERT_TRUE(applied) << applied.error().detail;
    }
  };

  // Each round: a relay starts, and is killed the moment a message it
  // published shows up here before it is marked sent. 40 ms per store call
  // keeps that window open.
  int kills_in_window = 0;
  for (int round = 0; round < 4; ++round) {
    WorkerProcess relay(dir_.path(), {"relay", bus_->address(), db_path, "events",
                                      std::to_string(round == 0 ? kEvents : 0), "40"});
    ASSERT_TRUE(relay.wait_ready(30s)) << relay.output();
    auto producer = open_db(db_path);
    ASSERT_TRUE(producer);
    const auto give_up = Clock::now() + 10s;
    bool killed = false;
    while (!killed && Clock::now() < give_up) {
      consume(*producer, 100ms, [&] {
        relay.kill();
        killed = true;
      });
    }
    kills_in_window += killed ? 1 : 0;
    relay.kill();
    producer->close();
  }
  EXPECT_GE(kills_in_window, 2) << "the kills never landed between publishing and marking sent";

  WorkerProcess last(dir_.path(), {"relay", bus_->address(), db_path, "events", "0", "0"});
  ASSERT_TRUE(last.wait_ready(30s)) << last.output();
  auto producer = open_db(db_path);
  ASSERT_TRUE(producer);
  auto committed = run_([&]() -> asio::awaitable<Result<sql::Rows>> {
    co_return co_await producer->query("SELECT event_id FROM outbox_events", {}, soon());
  });
  ASSERT_TRUE(committed) << committed.error().detail;
  ASSERT_EQ(committed->size(), static_cast<std::size_t>(kEvents));
  std::set<std::string> expected;
  for (const auto& row : committed->rows) expected.insert(std::get<std::string>(row[0]));
  const auto give_up = Clock::now() + 30s;
  while (delivered.size() < expected.size() && Clock::now() < give_up) consume(*producer, 500ms, {});

  std::size_t lost = 0;
  for (const auto& id : expected) lost += !delivered.contains(id);
  EXPECT_EQ(lost, 0u) << "committed events never published";
  auto effects_rows = run_([&]() -> asio::awaitable<Result<sql::Rows>> {
    co_return co_await consumer_db->query("SELECT COUNT(*) FROM effects", {}, soon());
  });
  ASSERT_TRUE(effects_rows);
  EXPECT_EQ(std::get<std::int64_t>(effects_rows->rows[0][0]), kEvents) << "an effect happened twice or never";
  EXPECT_GT(deliveries, delivered.size()) << "no duplicate reached the inbox";
  std::printf(
      "%d events committed; %d relays killed between publish and mark; %zu deliveries, %zu duplicates "
      "absorbed by the inbox\n",
      kEvents, kills_in_window, deliveries, deliveries - delivered.size());
  producer->close();
  consumer_db->close();
}

}  // namespace
}  // namespace cafe::test
