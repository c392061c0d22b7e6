#include "services/bus/engine/log_engine.h"

#include "platform/bus/validate.h"
#include "services/bus/engine/log_writes.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace cafe::bus::engine {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// A long poll answers this long before its caller's deadline, so the empty
// answer still arrives in time.
constexpr milliseconds kAnswerMargin{50};

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct LogEngine::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
};

void LogEngine::Waiters::wake_all() {
  for (auto& w : parked) asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  parked.clear();
}

LogEngine::LogEngine(sql::Database& db, EngineOptions options) : db_(db), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = system_now_ms;
}

LogEngine::~LogEngine() {
  close();
}

void LogEngine::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& [name, q] : queues_) q->waiters.wake_all();
  for (auto& [name, s] : streams_) s->waiters.wake_all();
}

Result<LogEngine::Queue*> LogEngine::find_queue(const std::string& name) {
  if (closed_) return Error::unavailable("the bus is shutting down");
  auto it = queues_.find(name);
  if (it == queues_.end()) return Error::not_found("no queue named " + name);
  return it->second.get();
}

Result<LogEngine::Stream*> LogEngine::find_stream(const std::string& name) {
  if (closed_) return Error::unavailable("the bus is shutting down");
  auto it = streams_.find(name);
  if (it == streams_.end()) return Error::not_found("no stream named " + name);
  return it->second.get();
}

asio::awaitable<Result<void>> LogEngine::park(Waiters& waiters, std::int64_t until_ms) {
  // Called with mutex_ held; returns with it released.
  auto executor = co_await asio::this_coro::executor;
  auto waiter = std::make_shared<Waiter>(executor);
  if (waiters.parked.size() >= options_.max_waiters) {
    mutex_.unlock();
    co_return Error::make(ErrorCode::kResourceExhausted,
                          "too many callers are waiting on this queue or stream");
  }
  waiters.parked.push_back(waiter);
  const std::int64_t wait_ms = std::max<std::int64_t>(0, until_ms - now_ms());
  waiter->timer.expires_after(milliseconds(wait_ms));
  mutex_.unlock();
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  std::lock_guard lock(mutex_);
  std::erase(waiters.parked, waiter);
  if (closed_) co_return Error::unavailable("the bus is shutting down");
  co_return Result<void>{};
}

asio::awaitable<Result<void>> LogEngine::declare_queue(std::string queue, QueueOptions options,
                                                       Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  if (auto v = check_queue_options(options); !v) co_return v.error();
  {
    std::lock_guard lock(mutex_);
    if (!queues_.contains(queue) && queues_.size() >= options_.max_queues)
      co_return Error::make(ErrorCode::kResourceExhausted,
                            "the bus holds " + std::to_string(queues_.size()) + " queues, its limit");
  }
  std::vector<Statement> upsert;
  upsert.push_back(
      {"INSERT INTO bus_queues (name, visibility_ms, max_receives, max_messages, max_bytes, "
       "dead_retention_ms) "
       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET visibility_ms = excluded.visibility_ms, "
       "max_receives = excluded.max_receives, max_messages = excluded.max_messages, "
       "max_bytes = excluded.max_bytes, dead_retention_ms = excluded.dead_retention_ms",
       {queue, integer(options.visibility.count()), integer(options.max_receives),
        integer(static_cast<std::int64_t>(options.max_messages)),
        integer(static_cast<std::int64_t>(options.max_bytes)),
        integer(std::chrono::duration_cast<milliseconds>(options.dead_letter_retention).count())}});
  auto written = co_await write(db_, std::move(upsert), deadline);
  if (!written) co_return written.error();
  std::lock_guard lock(mutex_);
  if (auto it = queues_.find(queue); it != queues_.end())
    it->second->state.set_options(options);
  else
    queues_.emplace(std::move(queue), std::make_unique<Queue>(options));
  co_return Result<void>{};
}

asio::awaitable<Result<void>> LogEngine::declare_stream(std::string stream, StreamOptions options,
                                                        Deadline deadline) {
  if (auto v = check_name("stream", stream); !v) co_return v.error();
  if (auto v = check_stream_options(options); !v) co_return v.error();
  {
    std::lock_guard lock(mutex_);
    if (!streams_.contains(stream) && streams_.size() >= options_.max_streams)
      co_return Error::make(ErrorCode::kResourceExhausted,
                            "the bus holds " + std::to_string(streams_.size()) + " streams, its limit");
  }
  std::vector<Statement> upsert;
  upsert.push_back(
      {"INSERT INTO bus_streams (name, max_age_ms, max_bytes) VALUES (?, ?, ?) ON CONFLICT (name) "
       "DO UPDATE SET max_age_ms = excluded.max_age_ms, max_bytes = excluded.max_bytes",
       {stream, integer(options.max_age.count()), integer(static_cast<std::int64_t>(options.max_bytes))}});
  auto written = co_await write(db_, std::move(upsert), deadline);
  if (!written) co_return written.error();
  std::lock_guard lock(mutex_);
  if (auto it = streams_.find(stream); it != streams_.end())
    it->second->state.set_options(options);
  else
    streams_.emplace(std::move(stream), std::make_unique<Stream>(options));
  co_return Result<void>{};
}

asio::awaitable<Result<void>> LogEngine::send(std::string queue, std::vector<OutgoingMessage> messages,
                                              Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  if (auto v = check_messages(messages); !v) co_return v.error();
  std::vector<StoredMessage> stored;
  std::vector<Statement> inserts;
  {
    std::lock_guard lock(mutex_);
    auto q = find_queue(queue);
    if (!q) co_return q.error();
    std::size_t bytes = 0;
    for (const auto& m : messages) bytes += m.body.size();
    if (auto admitted = (*q)->state.admit(messages.size(), bytes); !admitted) co_return admitted.error();
    const std::int64_t now = now_ms();
    next_seq_ =
        std::max(next_seq_, now * kKeysPerMillisecond);  // never a sequence number used before a restart
    stored.reserve(messages.size());
    std::vector<sql::Value> rows;
    rows.reserve(messages.size() * 6);
    for (auto& m : messages) {
      StoredMessage s{next_seq_++, std::move(m.id), std::move(m.body), now, now + m.delay.count(), 0, false};
      rows.insert(rows.end(),
                  {integer(s.seq), queue, s.id, s.body, integer(s.sent_at_ms), integer(s.visible_at_ms)});
      stored.push_back(std::move(s));
    }
    add_rows(inserts,
             "INSERT INTO bus_messages (seq, queue, message_id, body, sent_at_ms, visible_at_ms, "
             "receive_count, dead) "
             "VALUES ",
             "(?, ?, ?, ?, ?, ?, 0, 0)", "", 6, {}, std::move(rows));
  }
  auto written = co_await write(db_, std::move(inserts), deadline);
  if (!written) co_return written.error();
  std::lock_guard lock(mutex_);
  auto q = find_queue(queue);
  if (!q) co_return Result<void>{};  // stored; the queue was closed meanwhile
  (*q)->totals.sent += stored.size();
  for (auto& s : stored) (*q)->state.add(std::move(s));
  (*q)->waiters.wake_all();
  co_return Result<void>{};
}

asio::awaitable<Result<std::vector<QueueMessage>>> LogEngine::receive(std::string queue,
                                                                      ReceiveOptions options,
                                                                      Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  if (auto v = check_receive(options); !v) co_return v.error();
  const std::int64_t started = now_ms();
  const std::int64_t answer_by =
      started + std::max<std::int64_t>(0, (deadline.remaining() - kAnswerMargin).count());
  const std::int64_t wait_until = std::min(started + options.wait.count(), answer_by);
  while (true) {
    mutex_.lock();
    auto q = find_queue(queue);
    if (!q) {
      mutex_.unlock();
      co_return q.error();
    }
    QueueState& state = (*q)->state;
    const std::int64_t now = now_ms();
    const auto visibility = options.visibility.value_or(state.options().visibility).count();
    ReceiveOutcome outcome = state.receive(now, options.max_messages, visibility);
    (*q)->totals.received += outcome.delivered.size();
    (*q)->totals.dead_lettered += outcome.dead_lettered.size();
    if (!outcome.delivered.empty() || !outcome.dead_lettered.empty() || now >= wait_until) {
      mutex_.unlock();
      // One receive hides every message it hands out until the same time.
      std::vector<Statement> updates;
      if (!outcome.updated.empty())
        update_messages(updates, "visible_at_ms = ?, receive_count = receive_count + 1",
                        {integer(outcome.updated.front().visible_at_ms)}, seqs_of(outcome.updated));
      if (!outcome.dead_lettered.empty()) update_messages(updates, "dead = 1", {}, outcome.dead_lettered);
      auto written = co_await write(db_, std::move(updates), deadline);
      if (!written) co_return written.error();
      if (!outcome.delivered.empty() || now >= wait_until) co_return std::move(outcome.delivered);
      continue;  // only dead letters moved: look again
    }
    const std::int64_t until = std::min(wait_until, state.next_visible_at(now).value_or(wait_until));
    auto parked = co_await park((*q)->waiters, until);
    if (!parked) co_return parked.error();
  }
}

asio::awaitable<Result<void>> LogEngine::change_queue(std::string queue, QueueChange change,
                                                      Deadline deadline) {
  std::vector<Statement> rows;
  {
    std::lock_guard lock(mutex_);
    auto q = find_queue(queue);
    if (!q) co_return q.error();
    change(**q, rows);
  }
  co_return co_await write(db_, std::move(rows), deadline);
}

asio::awaitable<Result<void>> LogEngine::ack(std::string queue, std::vector<std::string> receipts,
                                             Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  if (auto v = check_receipts(receipts); !v) co_return v.error();
  // DESIGN §9: the change is a named local, not a temporary inside co_await.
  const QueueChange change = [&](Queue& q, std::vector<Statement>& rows) {
    auto acked = q.state.ack(receipts);
    q.totals.acked += acked.size();
    delete_messages(rows, acked);
  };
  co_return co_await change_queue(queue, change, deadline);
}

asio::awaitable<Result<void>> LogEngine::nack(std::string queue, std::vector<std::string> receipts,
                                              milliseconds delay, Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  if (auto v = check_receipts(receipts); !v) co_return v.error();
  if (auto v = check_delay(delay); !v) co_return v.error();
  const QueueChange change = [&](Queue& q, std::vector<Statement>& rows) {
    const std::int64_t visible_at = now_ms() + delay.count();
    update_messages(rows, "visible_at_ms = ?", {integer(visible_at)},
                    seqs_of(q.state.hand_back(receipts, visible_at)));
    if (delay.count() == 0) q.waiters.wake_all();
  };
  co_return co_await change_queue(queue, change, deadline);
}

asio::awaitable<Result<void>> LogEngine::extend(std::string queue, std::vector<std::string> receipts,
                                                milliseconds visibility, Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  if (auto v = check_receipts(receipts); !v) co_return v.error();
  if (auto v = check_visibility(visibility); !v) co_return v.error();
  const QueueChange change = [&](Queue& q, std::vector<Statement>& rows) {
    const std::int64_t visible_at = now_ms() + visibility.count();
    update_messages(rows, "visible_at_ms = ?", {integer(visible_at)},
                    seqs_of(q.state.change_visibility(receipts, visible_at)));
  };
  co_return co_await change_queue(queue, change, deadline);
}

asio::awaitable<Result<std::vector<QueueMessage>>> LogEngine::peek(std::string queue, std::size_t limit,
                                                                   Deadline deadline) {
  (void)deadline;
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  std::lock_guard lock(mutex_);
  auto q = find_queue(queue);
  if (!q) co_return q.error();
  co_return (*q)->state.peek(std::min(limit, kMaxBatch));
}

asio::awaitable<Result<std::vector<QueueMessage>>> LogEngine::dead_letters(std::string queue,
                                                                           std::size_t limit,
                                                                           Deadline deadline) {
  (void)deadline;
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  std::lock_guard lock(mutex_);
  auto q = find_queue(queue);
  if (!q) co_return q.error();
  co_return (*q)->state.dead_letters(std::min(limit, kMaxBatch));
}

asio::awaitable<Result<std::size_t>> LogEngine::redrive(std::string queue, std::size_t limit,
                                                        Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  std::vector<Statement> updates;
  std::size_t moved = 0;
  {
    std::lock_guard lock(mutex_);
    auto q = find_queue(queue);
    if (!q) co_return q.error();
    const std::int64_t now = now_ms();
    auto redriven = (*q)->state.redrive(std::min(limit, kMaxBatch), now);
    moved = redriven.size();
    (*q)->totals.redriven += moved;
    update_messages(updates, "dead = 0, receive_count = 0, visible_at_ms = ?", {integer(now)},
                    seqs_of(redriven));
    (*q)->waiters.wake_all();
  }
  auto written = co_await write(db_, std::move(updates), deadline);
  if (!written) co_return written.error();
  co_return moved;
}

asio::awaitable<Result<std::size_t>> LogEngine::purge(std::string queue, Deadline deadline) {
  if (auto v = check_name("queue", queue); !v) co_return v.error();
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    auto q = find_queue(queue);
    if (!q) co_return q.error();
    dropped = (*q)->state.purge();
  }
  std::vector<Statement> del;
  del.push_back({"DELETE FROM bus_messages WHERE queue = ?", {queue}});
  auto written = co_await write(db_, std::move(del), deadline);
  if (!written) co_return written.error();
  co_return dropped;
}

asio::awaitable<Result<std::vector<std::uint64_t>>> LogEngine::append(std::string stream,
                                                                      std::vector<StreamEntry> entries,
                                                                      Deadline deadline) {
  if (auto v = check_name("stream", stream); !v) co_return v.error();
  if (auto v = check_entries(entries); !v) co_return v.error();
  std::vector<StreamRecord> records;
  std::vector<Statement> inserts;
  {
    std::lock_guard lock(mutex_);
    auto s = find_stream(stream);
    if (!s) co_return s.error();
    const std::int64_t now = now_ms();
    records =
        (*s)->state.reserve(std::move(entries), now, static_cast<std::uint64_t>(now * kKeysPerMillisecond));
  }
  std::vector<sql::Value> rows;
  rows.reserve(records.size() * 6);
  for (const auto& r : records)
    rows.insert(rows.end(), {stream, integer(static_cast<std::int64_t>(r.offset)), r.partition_key, r.id,
                             r.body, integer(r.appended_at_ms)});
  add_rows(inserts,
           "INSERT INTO bus_records (stream, record_offset, partition_key, record_id, body, appended_at_ms) "
           "VALUES ",
           "(?, ?, ?, ?, ?, ?)", "", 6, {}, std::move(rows));
  std::vector<std::uint64_t> offsets;
  offsets.reserve(records.size());
  for (const auto& r : records) offsets.push_back(r.offset);
  const std::uint64_t first = offsets.front();
  auto written = co_await write(db_, std::move(inserts), deadline);
  std::lock_guard lock(mutex_);
  auto s = find_stream(stream);
  if (s) {
    const bool readable =
        (*s)->state.complete(first, written ? std::optional(std::move(records)) : std::nullopt);
    if (written) (*s)->appended += offsets.size();
    if (readable) {
      (*s)->state.apply_retention(now_ms());
      (*s)->waiters.wake_all();
    }
  }
  if (!written) co_return written.error();
  co_return offsets;
}

asio::awaitable<Result<std::vector<StreamRecord>>> LogEngine::read(std::string stream, StreamPosition from,
                                                                   ReadOptions options, Deadline deadline) {
  if (auto v = check_name("stream", stream); !v) co_return v.error();
  if (auto v = check_read(from, options); !v) co_return v.error();
  const std::int64_t started = now_ms();
  const std::int64_t answer_by =
      started + std::max<std::int64_t>(0, (deadline.remaining() - kAnswerMargin).count());
  const std::int64_t wait_until = std::min(started + options.wait.count(), answer_by);
  while (true) {
    mutex_.lock();
    auto s = find_stream(stream);
    if (!s) {
      mutex_.unlock();
      co_return s.error();
    }
    auto records = (*s)->state.read(from, options.max_records);
    if (!records.empty() || now_ms() >= wait_until) {
      mutex_.unlock();
      co_return records;
    }
    auto parked = co_await park((*s)->waiters, wait_until);
    if (!parked) co_return parked.error();
  }
}

asio::awaitable<Result<void>> LogEngine::commit(std::string stream, std::string group, std::uint64_t offset,
                                                Deadline deadline) {
  if (auto v = check_name("stream", stream); !v) co_return v.error();
  if (auto v = check_name("group", group); !v) co_return v.error();
  {
    std::lock_guard lock(mutex_);
    auto s = find_stream(stream);
    if (!s) co_return s.error();
  }
  std::vector<Statement> upsert;
  upsert.push_back(
      {"INSERT INTO bus_groups (stream, group_name, committed_offset) VALUES (?, ?, ?) "
       "ON CONFLICT (stream, group_name) DO UPDATE SET committed_offset = excluded.committed_offset",
       {stream, group, integer(static_cast<std::int64_t>(offset))}});
  auto written = co_await write(db_, std::move(upsert), deadline);
  if (!written) co_return written.error();
  std::lock_guard lock(mutex_);
  if (auto s = find_stream(stream)) (*s)->state.commit(group, offset);
  co_return Result<void>{};
}

asio::awaitable<Result<std::optional<std::uint64_t>>> LogEngine::committed(std::string stream,
                                                                           std::string group,
                                                                           Deadline deadline) {
  (void)deadline;
  if (auto v = check_name("stream", stream); !v) co_return v.error();
  if (auto v = check_name("group", group); !v) co_return v.error();
  std::lock_guard lock(mutex_);
  auto s = find_stream(stream);
  if (!s) co_return s.error();
  co_return (*s)->state.committed(group);
}

asio::awaitable<Result<std::vector<QueueStats>>> LogEngine::queue_stats(Deadline deadline) {
  (void)deadline;
  std::lock_guard lock(mutex_);
  std::vector<QueueStats> out;
  const std::int64_t now = now_ms();
  for (const auto& [name, q] : queues_) {
    QueueStats s = q->state.stats(now);
    s.name = name;
    out.push_back(std::move(s));
  }
  co_return out;
}

asio::awaitable<Result<std::vector<StreamStats>>> LogEngine::stream_stats(Deadline deadline) {
  (void)deadline;
  std::lock_guard lock(mutex_);
  std::vector<StreamStats> out;
  for (const auto& [name, s] : streams_) {
    StreamStats st = s->state.stats();
    st.name = name;
    out.push_back(std::move(st));
  }
  co_return out;
}

asio::awaitable<Result<void>> LogEngine::apply_retention(Deadline deadline) {
  std::vector<Statement> deletes;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();
    for (auto& [name, q] : queues_) {
      const auto retention =
          std::chrono::duration_cast<milliseconds>(q->state.options().dead_letter_retention);
      delete_messages(deletes, q->state.expire_dead(now - retention.count()));
    }
    for (auto& [name, s] : streams_) {
      s->state.apply_retention(now);
      const StreamStats st = s->state.stats();
      const std::uint64_t floor = st.records ? st.first_offset : s->state.next_offset();
      if (floor > s->disk_floor) {
        deletes.push_back({"DELETE FROM bus_records WHERE stream = ? AND record_offset < ?",
                           {name, integer(static_cast<std::int64_t>(floor))}});
        s->disk_floor = floor;
      }
    }
  }
  co_return co_await write(db_, std::move(deletes), deadline);
}

}  // namespace cafe::bus::engine

namespace cafe::bus::engine {

std::map<std::string, LogEngine::QueueTotals> LogEngine::queue_totals() {
  std::lock_guard lock(mutex_);
  std::map<std::string, QueueTotals> out;
  for (const auto& [name, q] : queues_) out.emplace(name, q->totals);
  return out;
}

std::map<std::string, std::uint64_t> LogEngine::appended_totals() {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::uint64_t> out;
  for (const auto& [name, s] : streams_) out.emplace(name, s->appended);
  return out;
}

}  // namespace cafe::bus::engine
