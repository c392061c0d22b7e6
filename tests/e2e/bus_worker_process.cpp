// A service-shaped process for the crash tests (bus_consumer_crash_test):
// the platform's queue worker or outbox relay on a real SQLite file and the
// embedded bus, killed with SIGKILL by the test and started again.
//
//   bus_worker_process consume BUS_ADDRESS DB_PATH QUEUE
//     Consumes QUEUE: each message's effect (a row in `effects`) is written
//     in one transaction with its inbox record, after a short pause that
//     widens the window a kill can land in.
//   bus_worker_process relay BUS_ADDRESS DB_PATH QUEUE EVENTS STORE_LATENCY_MS
//     Commits EVENTS events to the outbox (for QUEUE), then relays until
//     killed; every store call takes STORE_LATENCY_MS (an injected
//     dependency:store fault), so most of a relay round is spent between
//     publishing a batch and marking it sent.
//
// Writes "ready" to stdout once running; runs until killed.
#include "platform/bus/consumer.h"
#include "platform/bus/embedded_bus.h"
#include "platform/bus/event.h"
#include "platform/bus/inbox.h"
#include "platform/bus/outbox.h"
#include "platform/bus/outbox_relay.h"
#include "platform/bus/store_schema.h"
#include "platform/faults/fault.h"
#include "platform/faults/faulty_database.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

namespace asio = boost::asio;
using namespace cafe;
using namespace std::chrono_literals;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bus_worker_process: %s\n", why.c_str());
  std::exit(2);
}

std::unique_ptr<sql::Database> open_db(const std::string& path, bus::StoreTables tables) {
  auto db = sql::open_sqlite({.path = path});
  if (!db) die("open " + path + ": " + db.error().detail);
  std::vector<sql::Migration> migrations{{1, "effects", "CREATE TABLE effects (message_id TEXT NOT NULL)"}};
  auto bus_tables = bus::store_migrations(100, "sqlite", tables);
  if (!bus_tables) die(bus_tables.error().detail);
  migrations.insert(migrations.end(), bus_tables->begin(), bus_tables->end());
  if (auto m = (*db)->migrate(migrations); !m) die("migrate: " + m.error().detail);
  return std::move(*db);
}

std::unique_ptr<bus::Bus> open_bus(const std::string& address) {
  auto opened = bus::open_embedded_bus({.addresses = {address}, .caller = "crash-test"});
  if (!opened) die(opened.error().detail);
  return std::move(*opened);
}

int consume(const std::string& address, const std::string& path, const std::string& queue) {
  auto db = open_db(path, {.outbox = false, .inbox = true, .idempotency = false});
  auto bus = open_bus(address);
  asio::io_context ctx(1);
  bus::Inbox inbox;
  auto worker = bus::QueueWorker::create(
      *bus, {.queue = queue, .concurrency = 8, .batch_size = 20, .wait = 500ms, .visibility = 1000ms},
      [&](const bus::QueueMessage& m) -> asio::awaitable<Result<void>> {
        asio::steady_timer pause(co_await asio::this_coro::executor, 5ms);
        co_await pause.async_wait(asio::use_awaitable);
        sql::TransactionBody apply = [&inbox, id = m.id](sql::Transaction& tx) -> Result<void> {
          auto first = inbox.record(tx, "crash-test", id);
          if (!first) return first.error();
          if (!*first) {
            // Applied before the kill, acked never: the inbox makes it a no-op.
            std::printf("duplicate %s\n", id.c_str());
            std::fflush(stdout);
            return {};
          }
          auto inserted =
              tx.execute("INSERT INTO effects (message_id) VALUES (?)", std::vector<sql::Value>{id});
          if (!inserted) return inserted.error();
          return {};
        };
        co_return co_await db->transact(std::move(apply), Deadline::after(5s));
      });
  if (!worker) die(worker.error().detail);
  asio::co_spawn(ctx, (*worker)->run(), asio::detached);
  std::printf("ready\n");
  std::fflush(stdout);
  ctx.run();
  return 0;
}

int relay(const std::string& address, const std::string& path, const std::string& queue, int events,
          int latency_ms) {
  faults::Registry registry;
  auto db =
      faults::with_faults(open_db(path, {.outbox = true, .inbox = false, .idempotency = false}), registry);
  auto bus = open_bus(address);
  asio::io_context ctx(1);
  bus::Outbox outbox;
  int status = 0;
  std::unique_ptr<bus::OutboxRelay> relay;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        if (auto declared = co_await bus->declare_queue(queue, {}, Deadline::after(5s)); !declared)
          die("declare: " + declared.error().detail);
        for (int written = 0; written < events; written += 10) {
          sql::TransactionBody add = [&](sql::Transaction& tx) -> Result<void> {
            for (int i = written; i < written + 10 && i < events; ++i) {
              auto event = bus::make_event({.type = "CrashTestEvent",
                                            .source = "crash-test",
                                            .partition_key = "k" + std::to_string(i % 7),
                                            .version = i,
                                            .data = boost::json::object{{"n", i}},
                                            .trace_id = {}});
              if (auto added = outbox.add(tx, event, bus::Destination::queue(queue)); !added) return added;
            }
            return {};
          };
          if (auto committed = co_await db->transact(std::move(add), Deadline::after(10s)); !committed)
            die("outbox: " + committed.error().detail);
        }
        faults::Fault slow;
        slow.kind = faults::Kind::kLatency;
        slow.target = "dependency:store";
        slow.latency = std::chrono::milliseconds(latency_ms);
        slow.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
        if (latency_ms > 0) {
          if (auto added = registry.add(slow, std::chrono::system_clock::now()); !added)
            die(added.error().detail);
        }
        auto made = bus::OutboxRelay::create(*db, *bus,
                                             {.holder = "crash-test-" + std::to_string(::getpid()),
                                              .lease_ttl = 1000ms,
                                              .batch_size = 25,
                                              .poll_interval = 50ms});
        if (!made) die(made.error().detail);
        relay = std::move(*made);
        std::printf("ready\n");
        std::fflush(stdout);
        co_await relay->run();
      },
      [&](std::exception_ptr e) {
        if (e) status = 1;
      });
  ctx.run();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "consume" && argc == 5) return consume(argv[2], argv[3], argv[4]);
  if (mode == "relay" && argc == 7)
    return relay(argv[2], argv[3], argv[4], std::atoi(argv[5]), std::atoi(argv[6]));
  die("usage: consume BUS DB QUEUE | relay BUS DB QUEUE EVENTS STORE_LATENCY_MS");
}
