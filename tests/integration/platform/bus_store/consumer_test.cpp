// QueueWorker and StreamWorker against a real embedded bus, with their
// effects made idempotent by the inbox on both stores.
#include "platform/bus/consumer.h"

#include "bus_fixture.h"
#include "platform/bus/inbox.h"
#include "platform/core/completion.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

// Holds handlers until the test opens it (from any thread).
class Gate {
 public:
  ~Gate() { open(); }
  void open() {
    std::vector<CompletionPtr<bool>> waiters;
    {
      std::lock_guard lock(mutex_);
      opened_ = true;
      waiters.swap(waiters_);
    }
    for (auto& waiter : waiters) waiter->complete(true);
  }
  asio::awaitable<void> wait() {
    auto arrive = [this](CompletionPtr<bool> done) {
      {
        std::lock_guard lock(mutex_);
        if (!opened_) {
          waiters_.push_back(std::move(done));
          return;
        }
      }
      done->complete(true);
    };
    co_await submit_and_wait<bool>(std::move(arrive));
  }

 private:
  std::mutex mutex_;
  bool opened_ = false;
  std::vector<CompletionPtr<bool>> waiters_;
};

class Workers : public WithBus {
 protected:
  void SetUp() override {
    WithBus::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(declare_queue("payments", {.visibility = 30s,
                                           .max_receives = 3,
                                           .max_messages = 100'000,
                                           .max_bytes = 64u << 20,
                                           .dead_letter_retention = 24h}));
    ASSERT_TRUE(declare_stream("orders"));
  }

  QueueWorkerOptions queue_options() {
    return {.queue = "payments",
            .concurrency = 4,
            .batch_size = 10,
            .wait = 200ms,
            .visibility = 30s,
            .call_timeout = 2s,
            .retry_delay = {.base = 10ms, .cap = 20ms},
            .failure_backoff = {.base = 10ms, .cap = 50ms},
            .drain_timeout = 5s,
            .seed = 3};
  }

  StreamWorkerOptions stream_options(std::string group) {
    return {.stream = "orders",
            .group = std::move(group),
            .batch_size = 4,
            .wait = 200ms,
            .call_timeout = 2s,
            .failure_backoff = {.base = 10ms, .cap = 50ms},
            .max_attempts = 2,
            .lease_store = nullptr,
            .holder = {},
            .lease_ttl = 1'500ms,
            .clock = &clock_,
            .seed = 5};
  }

  QueueWorker& start_queue_worker(QueueWorkerOptions o, QueueHandler handler) {
    auto worker = QueueWorker::create(*bus_, std::move(o), std::move(handler));
    EXPECT_TRUE(worker) << worker.error().detail;
    queue_workers_.push_back(std::move(*worker));
    QueueWorker& w = *queue_workers_.back();
    worker_tasks_.push_back(spawn("queue-worker", [&w] { return w.run(); }));
    return w;
  }

  StreamWorker& start_stream_worker(StreamWorkerOptions o, StreamHandler handler) {
    auto worker = StreamWorker::create(*bus_, std::move(o), std::move(handler));
    EXPECT_TRUE(worker) << worker.error().detail;
    stream_workers_.push_back(std::move(*worker));
    StreamWorker& w = *stream_workers_.back();
    worker_tasks_.push_back(spawn("stream-worker", [&w] { return w.run(); }));
    return w;
  }

  void send_events(int n, std::vector<std::string>* ids = nullptr) {
    std::vector<OutgoingMessage> messages;
    for (int i = 0; i < n; ++i) {
      const Event e = make_event({.type = "PaymentRequested",
                                  .source = "order",
                                  .partition_key = "ord_" + std::to_string(i),
                                  .version = 1,
                                  .data = boost::json::object{},
                                  .trace_id = {}});
      if (ids) ids->push_back(e.event_id);
      messages.push_back({e.event_id, to_json(e), 0ms});
    }
    ASSERT_TRUE(send("payments", std::move(messages)));
  }

  std::vector<std::uint64_t> append_records(int n, std::vector<std::string>* ids) {
    std::vector<StreamEntry> entries;
    for (int i = 0; i < n; ++i) {
      const std::string id = "rec-" + std::to_string(next_record_++);
      ids->push_back(id);
      entries.push_back({"ord_" + std::to_string(i % 3), id, "{}"});
    }
    auto offsets = append("orders", std::move(entries));
    EXPECT_TRUE(offsets) << offsets.error().detail;
    return offsets ? *offsets : std::vector<std::uint64_t>{};
  }

  void TearDown() override {
    for (std::size_t task : worker_tasks_) EXPECT_TRUE(stop(task));
    WithBus::TearDown();
  }

  std::vector<std::unique_ptr<QueueWorker>> queue_workers_;
  std::vector<std::unique_ptr<StreamWorker>> stream_workers_;
  std::vector<std::size_t> worker_tasks_;
  int next_record_ = 0;
};
INSTANTIATE_TEST_SUITE_P(Backends, Workers, kBackends, backend_name);

TEST_P(Workers, AQueueWorkerAppliesEachMessageOnceAndAcksIt) {
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  const bus::Inbox inbox(&clock_);
  QueueHandler handler = [db, &inbox](const QueueMessage& m) -> asio::awaitable<Result<void>> {
    auto event = parse_event(m.body);
    if (!event) co_return event.error();
    auto body = [&inbox, e = *event](sql::Transaction& tx) -> Result<void> {
      auto admitted = inbox.admit(tx, "payment", e);
      if (!admitted) return admitted.error();
      if (*admitted != Admission::kApply) return ok();
      return apply_effect(tx, "payment", e.event_id);
    };
    auto op = db->transact(body, Deadline::after(5s));
    co_return co_await std::move(op);
  };
  QueueWorker& worker = start_queue_worker(queue_options(), handler);
  send_events(30);
  ASSERT_TRUE(eventually([&] { return worker.stats().acked == 30; }));
  EXPECT_EQ(count(*db, "effects"), 30);
  EXPECT_TRUE(eventually([&] { return worker.stats().in_hand == 0; }));
  const QueueStats stats = queue_stats("payments");
  EXPECT_EQ(stats.ready, 0u);
  EXPECT_EQ(stats.in_flight, 0u);
}

TEST_P(Workers, AQueueWorkerNeverRunsMoreHandlersThanItsConcurrency) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  QueueHandler handler = [&](const QueueMessage&) -> asio::awaitable<Result<void>> {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    co_await sleep_for(30ms);
    --running;
    co_return ok();
  };
  QueueWorkerOptions o = queue_options();
  o.concurrency = 3;
  QueueWorker& worker = start_queue_worker(o, handler);
  send_events(12);
  ASSERT_TRUE(eventually([&] { return worker.stats().acked == 12; }));
  EXPECT_EQ(most.load(), 3);
}

TEST_P(Workers, AQueueWorkerHandsBackAMessageThatFailedAndRetriesIt) {
  std::mutex mutex;
  std::vector<std::uint32_t> receive_counts;
  QueueHandler handler = [&](const QueueMessage& m) -> asio::awaitable<Result<void>> {
    {
      std::lock_guard lock(mutex);
      receive_counts.push_back(m.receive_count);
    }
    if (m.receive_count == 1) co_return Error::unavailable("the ledger is unavailable");
    co_return ok();
  };
  QueueWorker& worker = start_queue_worker(queue_options(), handler);
  send_events(1);
  ASSERT_TRUE(eventually([&] { return worker.stats().acked == 1; }));
  EXPECT_EQ(worker.stats().retried, 1u);
  std::lock_guard lock(mutex);
  EXPECT_EQ(receive_counts, (std::vector<std::uint32_t>{1, 2}));
}

TEST_P(Workers, APoisonMessageEndsInTheDeadLetterQueue) {
  std::vector<std::string> ids;
  QueueHandler handler = [](const QueueMessage& m) -> asio::awaitable<Result<void>> {
    if (m.body == "not an event") co_return Error::invalid("the message is not an event");
    co_return ok();
  };
  QueueWorker& worker = start_queue_worker(queue_options(), handler);
  ASSERT_TRUE(send("payments", {{"poison-1", "not an event", 0ms}}));
  send_events(2);
  ASSERT_TRUE(eventually([&] { return worker.stats().acked == 2 && worker.stats().poison == 3; }));
  ASSERT_TRUE(eventually([&] { return queue_stats("payments").dead == 1; }));
  auto dead = run([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await bus_->dead_letters("payments", 10, Deadline::after(5s));
  });
  ASSERT_TRUE(dead) << dead.error().detail;
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, "poison-1");
}

TEST_P(Workers, AQueueWorkerKeepsASlowMessageHiddenWhileItsHandlerRuns) {
  std::atomic<int> calls{0};
  QueueHandler handler = [&](const QueueMessage&) -> asio::awaitable<Result<void>> {
    ++calls;
    co_await sleep_for(700ms);
    co_return ok();
  };
  QueueWorkerOptions o = queue_options();
  o.visibility = 200ms;
  QueueWorker& worker = start_queue_worker(o, handler);
  send_events(1);
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }));
  // Three visibility periods pass while the handler runs; nobody else gets it.
  while (worker.stats().acked == 0) EXPECT_TRUE(peek("payments", 100ms).empty());
  EXPECT_EQ(calls.load(), 1);
  EXPECT_GE(worker.stats().extended, 2u);
}

TEST_P(Workers, AQueueWorkerStopsAfterTheHandlersInHandFinish) {
  Gate gate;
  std::atomic<int> started{0};
  QueueHandler handler = [&](const QueueMessage&) -> asio::awaitable<Result<void>> {
    ++started;
    co_await gate.wait();
    co_return ok();
  };
  QueueWorkerOptions o = queue_options();
  o.concurrency = 2;
  QueueWorker& worker = start_queue_worker(o, handler);
  send_events(3);
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }));
  tasks_[worker_tasks_[0]]->cancel();
  gate.open();
  ASSERT_TRUE(stop(worker_tasks_[0]));
  EXPECT_EQ(started.load(), 2);  // the third was never taken
  EXPECT_EQ(worker.stats().acked, 2u);
  const QueueStats stats = queue_stats("payments");
  EXPECT_EQ(stats.ready, 1u);
  EXPECT_EQ(stats.in_flight, 0u);
}

TEST_P(Workers, AQueueWorkerCancelsHandlersStillRunningAtItsDrainTimeout) {
  std::atomic<int> started{0};
  QueueHandler handler = [&](const QueueMessage&) -> asio::awaitable<Result<void>> {
    ++started;
    co_await sleep_for(1h);
    co_return ok();
  };
  QueueWorkerOptions o = queue_options();
  o.drain_timeout = 100ms;
  QueueWorker& worker = start_queue_worker(o, handler);
  send_events(1);
  ASSERT_TRUE(eventually([&] { return started.load() == 1; }));
  ASSERT_TRUE(stop(worker_tasks_[0]));
  EXPECT_EQ(worker.stats().retried, 1u);
  EXPECT_EQ(worker.stats().acked, 0u);
  const QueueStats stats = queue_stats("payments");
  EXPECT_EQ(stats.ready, 1u);  // handed back for another replica
  EXPECT_EQ(stats.in_flight, 0u);
}

TEST_P(Workers, AStreamWorkerHandlesRecordsInOrderAndResumesAfterItsCommit) {
  std::mutex mutex;
  std::vector<std::string> handled;
  StreamHandler handler = [&](const StreamRecord& r) -> asio::awaitable<Result<void>> {
    std::lock_guard lock(mutex);
    handled.push_back(r.id);
    co_return ok();
  };
  std::vector<std::string> ids;
  const auto offsets = append_records(10, &ids);
  ASSERT_EQ(offsets.size(), 10u);
  StreamWorker& first = start_stream_worker(stream_options("analytics"), handler);
  ASSERT_TRUE(
      eventually([&] { return first.stats().handled == 10 && first.stats().committed == offsets.back(); }));
  ASSERT_TRUE(stop(worker_tasks_[0]));
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, ids);
    handled.clear();
  }
  // A worker started later for the same group goes on from the commit.
  std::vector<std::string> more;
  append_records(2, &more);
  StreamWorker& second = start_stream_worker(stream_options("analytics"), handler);
  ASSERT_TRUE(eventually([&] { return second.stats().handled == 2; }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(handled, more);
}

TEST_P(Workers, AStreamWorkerRetriesARecordWithoutReordering) {
  std::mutex mutex;
  std::vector<std::string> handled;
  std::map<std::string, int> calls;
  StreamHandler handler = [&](const StreamRecord& r) -> asio::awaitable<Result<void>> {
    std::lock_guard lock(mutex);
    if (r.id == "rec-2" && ++calls[r.id] <= 2) co_return Error::unavailable("the warehouse is unavailable");
    handled.push_back(r.id);
    co_return ok();
  };
  std::vector<std::string> ids;
  append_records(6, &ids);
  StreamWorker& worker = start_stream_worker(stream_options("analytics"), handler);
  ASSERT_TRUE(eventually([&] { return worker.stats().handled == 6; }));
  EXPECT_EQ(worker.stats().failures, 2u);
  std::lock_guard lock(mutex);
  EXPECT_EQ(handled, ids);
}

TEST_P(Workers, AStreamWorkerPassesOverAPoisonRecordAfterItsAttempts) {
  std::atomic<int> poison_calls{0};
  StreamHandler handler = [&](const StreamRecord& r) -> asio::awaitable<Result<void>> {
    if (r.id == "rec-1") {
      ++poison_calls;
      co_return Error::invalid("the record is not an event");
    }
    co_return ok();
  };
  std::vector<std::string> ids;
  const auto offsets = append_records(5, &ids);
  StreamWorker& worker = start_stream_worker(stream_options("analytics"), handler);
  ASSERT_TRUE(eventually([&] { return worker.stats().committed == offsets.back(); }));
  EXPECT_EQ(worker.stats().handled, 4u);
  EXPECT_EQ(worker.stats().skipped, 1u);
  EXPECT_EQ(poison_calls.load(), 2);
}

TEST_P(Workers, OnlyTheLeaseHolderReadsAStreamGroup) {
  sql::Database* db_a = replica();
  sql::Database* db_b = replica();
  ASSERT_TRUE(db_a && db_b);
  std::mutex mutex;
  std::multiset<std::string> handled;
  StreamHandler handler = [&](const StreamRecord& r) -> asio::awaitable<Result<void>> {
    std::lock_guard lock(mutex);
    handled.insert(r.id);
    co_return ok();
  };
  StreamWorkerOptions a = stream_options("analytics");
  a.lease_store = db_a;
  a.holder = "analytics-1";
  StreamWorkerOptions b = stream_options("analytics");
  b.lease_store = db_b;
  b.holder = "analytics-2";
  StreamWorker& worker_a = start_stream_worker(a, handler);
  StreamWorker& worker_b = start_stream_worker(b, handler);
  ASSERT_TRUE(eventually([&] { return worker_a.stats().lease_held != worker_b.stats().lease_held; }));
  std::vector<std::string> ids;
  append_records(20, &ids);
  ASSERT_TRUE(eventually([&] { return worker_a.stats().handled + worker_b.stats().handled == 20; }));
  EXPECT_TRUE(worker_a.stats().handled == 0 || worker_b.stats().handled == 0);
  std::lock_guard lock(mutex);
  EXPECT_EQ(handled, std::multiset<std::string>(ids.begin(), ids.end()));
}

TEST_P(Workers, RefuseOptionsTheyCannotRunWith) {
  QueueHandler q = [](const QueueMessage&) -> asio::awaitable<Result<void>> { co_return ok(); };
  StreamHandler s = [](const StreamRecord&) -> asio::awaitable<Result<void>> { co_return ok(); };
  QueueWorkerOptions no_concurrency = queue_options();
  no_concurrency.concurrency = 0;
  EXPECT_EQ(QueueWorker::create(*bus_, no_concurrency, q).error().code, ErrorCode::kInvalidArgument);
  QueueWorkerOptions bad_queue = queue_options();
  bad_queue.queue = "Payments";
  EXPECT_EQ(QueueWorker::create(*bus_, bad_queue, q).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QueueWorker::create(*bus_, queue_options(), nullptr).error().code, ErrorCode::kInvalidArgument);
  StreamWorkerOptions lease_without_holder = stream_options("analytics");
  sql::Database* db = replica();
  ASSERT_TRUE(db);
  lease_without_holder.lease_store = db;
  EXPECT_EQ(StreamWorker::create(*bus_, lease_without_holder, s).error().code, ErrorCode::kInvalidArgument);
  StreamWorkerOptions no_attempts = stream_options("analytics");
  no_attempts.max_attempts = 0;
  EXPECT_EQ(StreamWorker::create(*bus_, no_attempts, s).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cafe::bus::testing
