#include "platform/bus/outbox_relay.h"

#include "platform/bus/internal/cancellation.h"
#include "platform/bus/internal/wakeup.h"
#include "platform/bus/internal/wall_clock.h"
#include "platform/bus/lease.h"
#include "platform/bus/outbox.h"
#include "platform/telemetry/log.h"
#include "platform/telemetry/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

namespace cafe::bus {

namespace asio = boost::asio;
using sql::Value;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// One Bus call carries at most this many body bytes: the relay's batches
// stay well inside what either backend takes in one request.
constexpr std::size_t kMaxPublishBytes = 1u << 20;

struct PendingRow {
  std::int64_t seq = 0;
  std::string event_id;
  Destination::Kind kind = Destination::Kind::kQueue;
  std::string destination;
  std::string partition_key;
  std::string body;
  std::int64_t delay_ms = 0;
  std::int64_t created_at_ms = 0;
};

// Rows of one destination, in seq order.
struct DestinationRows {
  Destination::Kind kind;
  std::string name;
  std::vector<const PendingRow*> rows;
};

std::vector<DestinationRows> group_by_destination(const std::vector<PendingRow>& rows) {
  std::vector<DestinationRows> groups;
  for (const PendingRow& row : rows) {
    auto same = [&](const DestinationRows& g) { return g.kind == row.kind && g.name == row.destination; };
    auto it = std::find_if(groups.begin(), groups.end(), same);
    if (it == groups.end()) it = groups.insert(groups.end(), DestinationRows{row.kind, row.destination, {}});
    it->rows.push_back(&row);
  }
  return groups;
}

struct Meters {
  prometheus::Gauge* pending = nullptr;
  prometheus::Gauge* oldest_age = nullptr;
  prometheus::Gauge* lease_held = nullptr;
  prometheus::Counter* published = nullptr;
  prometheus::Counter* failures = nullptr;
};

Meters bind_meters(telemetry::Metrics* metrics) {
  if (metrics == nullptr) return {};
  const prometheus::Labels service{{"service", metrics->service()}};
  auto gauge = [&](const char* name, const char* help) {
    return &prometheus::BuildGauge()
                .Name(name)
                .Help(help)
                .Labels(service)
                .Register(metrics->registry())
                .Add({});
  };
  auto counter = [&](const char* name, const char* help) {
    return &prometheus::BuildCounter()
                .Name(name)
                .Help(help)
                .Labels(service)
                .Register(metrics->registry())
                .Add({});
  };
  return {
      .pending = gauge("cloudcafe_outbox_pending_events", "Outbox events written and not yet published"),
      .oldest_age = gauge("cloudcafe_outbox_oldest_pending_age_seconds",
                          "Age of the oldest outbox event not yet published (0 when none)"),
      .lease_held =
          gauge("cloudcafe_outbox_relay_lease_held", "1 while this replica's relay holds the lease"),
      .published = counter("cloudcafe_outbox_published_total", "Outbox events this replica published"),
      .failures = counter("cloudcafe_outbox_relay_failures_total",
                          "Relay rounds that failed because the bus or the store did"),
  };
}

Result<std::vector<PendingRow>> read_rows(const sql::Rows& rows) {
  std::vector<PendingRow> out;
  out.reserve(rows.size());
  for (const auto& cells : rows.rows) {
    sql::RowReader r(cells);
    PendingRow row;
    row.seq = r.integer();
    row.event_id = r.text();
    const std::string kind = r.text();
    row.destination = r.text();
    row.partition_key = r.text();
    row.body = r.text();
    row.delay_ms = r.integer();
    row.created_at_ms = r.integer();
    if (auto ok = r.status(); !ok) return ok.error();
    if (kind != "queue" && kind != "stream")
      return Error::internal("outbox row " + std::to_string(row.seq) + " has destination kind '" + kind +
                             "'");
    row.kind = kind == "queue" ? Destination::Kind::kQueue : Destination::Kind::kStream;
    out.push_back(std::move(row));
  }
  return out;
}

// The outcome of one round: whether more is waiting, else how long to idle.
struct Round {
  bool more = false;
  milliseconds idle{0};
};

}  // namespace

struct OutboxRelay::State {
  State(sql::Database& database, Bus& b, OutboxRelayOptions o)
      : db(database),
        bus(b),
        options(std::move(o)),
        lease(database, {.name = options.lease_name,
                         .holder = options.holder,
                         .ttl = options.lease_ttl,
                         .clock = options.clock}),
        backoff(options.backoff),
        rng(options.seed != 0 ? options.seed : std::random_device{}()),
        meters(bind_meters(options.metrics)) {}

  sql::Database& db;
  Bus& bus;
  const OutboxRelayOptions options;
  Lease lease;
  internal::Wakeup wakeup;
  const resilience::Backoff backoff;
  std::mt19937_64 rng;
  Meters meters;
  // When to recount the lag, and when a standby asks for the lease again.
  steady_clock::time_point next_count{};
  steady_clock::time_point next_standby_try{};

  mutable std::mutex mutex;
  OutboxLag lag;  // guarded by mutex

  Deadline store_deadline() const { return Deadline::after(options.store_timeout); }
  Deadline publish_deadline() const { return Deadline::after(options.publish_timeout); }

  void set_lease_held(bool held) {
    std::lock_guard lock(mutex);
    lag.lease_held = held;
    if (meters.lease_held) meters.lease_held->Set(held ? 1 : 0);
  }

  void set_backlog(std::int64_t pending, milliseconds oldest_age) {
    std::lock_guard lock(mutex);
    lag.pending = pending;
    lag.oldest_pending_age = oldest_age;
    lag.counted = true;
    if (meters.pending) meters.pending->Set(static_cast<double>(pending));
    if (meters.oldest_age) meters.oldest_age->Set(static_cast<double>(oldest_age.count()) / 1000.0);
  }

  void count_published(std::size_t n) {
    std::lock_guard lock(mutex);
    lag.published += n;
    if (meters.published) meters.published->Increment(static_cast<double>(n));
  }

  void count_failure() {
    std::lock_guard lock(mutex);
    ++lag.failed_rounds;
    if (meters.failures) meters.failures->Increment();
  }

  asio::awaitable<Result<void>> count_backlog() {
    auto op = db.query("SELECT COUNT(*), MIN(created_at_ms) FROM outbox_events WHERE sent_at_ms IS NULL", {},
                       store_deadline());
    auto rows = co_await std::move(op);
    if (!rows) co_return rows.error();
    if (rows->size() != 1) co_return Error::internal("the outbox count returned no row");
    sql::RowReader r(rows->rows[0]);
    const std::int64_t pending = r.integer();
    const std::optional<std::int64_t> oldest_ms = r.nullable_integer();
    if (auto ok = r.status(); !ok) co_return ok.error();
    const std::int64_t now_ms = internal::wall_now_ms(options.clock);
    set_backlog(pending, milliseconds(oldest_ms ? std::max<std::int64_t>(0, now_ms - *oldest_ms) : 0));
    co_return ok();
  }

  // Publishes one destination's rows in order, in calls of at most
  // kMaxBatch messages and about kMaxPublishBytes. Stops at the first
  // failure: a later record of a stream must not overtake an earlier one.
  // Appends the seq of every row the bus took to `sent`.
  asio::awaitable<Result<void>> publish(const DestinationRows& group, std::vector<std::int64_t>& sent) {
    std::size_t at = 0;
    while (at < group.rows.size()) {
      std::size_t end = at;
      std::size_t bytes = 0;
      while (end < group.rows.size() && end - at < kMaxBatch &&
             (end == at || bytes + group.rows[end]->body.size() <= kMaxPublishBytes)) {
        bytes += group.rows[end]->body.size();
        ++end;
      }
      Result<void> published = ok();
      if (group.kind == Destination::Kind::kQueue) {
        const std::int64_t now_ms = internal::wall_now_ms(options.clock);
        std::vector<OutgoingMessage> messages;
        messages.reserve(end - at);
        for (std::size_t i = at; i < end; ++i) {
          const PendingRow& row = *group.rows[i];
          const std::int64_t visible_in = row.created_at_ms + row.delay_ms - now_ms;
          messages.push_back({row.event_id, row.body, milliseconds(std::max<std::int64_t>(0, visible_in))});
        }
        auto op = bus.send(group.name, std::move(messages), publish_deadline());
        published = co_await std::move(op);
      } else {
        std::vector<StreamEntry> entries;
        entries.reserve(end - at);
        for (std::size_t i = at; i < end; ++i) {
          const PendingRow& row = *group.rows[i];
          entries.push_back({row.partition_key, row.event_id, row.body});
        }
        auto op = bus.append(group.name, std::move(entries), publish_deadline());
        auto offsets = co_await std::move(op);
        if (!offsets) published = offsets.error();
      }
      if (!published) {
        Error e = published.error();
        e.detail = std::string(to_string(group.kind)) + " " + group.name + ": " + e.detail;
        co_return e;
      }
      for (std::size_t i = at; i < end; ++i) sent.push_back(group.rows[i]->seq);
      at = end;
    }
    co_return ok();
  }

  asio::awaitable<Result<void>> mark_sent(std::vector<std::int64_t> seqs) {
    const std::int64_t now_ms = internal::wall_now_ms(options.clock);
    auto mark = [seqs = std::move(seqs), now_ms](sql::Transaction& tx) -> Result<void> {
      std::string sql = "UPDATE outbox_events SET sent_at_ms = ? WHERE sent_at_ms IS NULL AND seq IN (";
      std::vector<Value> params;
      params.reserve(seqs.size() + 1);
      params.emplace_back(now_ms);
      for (std::size_t i = 0; i < seqs.size(); ++i) {
        sql += i == 0 ? "?" : ", ?";
        params.emplace_back(seqs[i]);
      }
      sql += ")";
      auto r = tx.execute(sql, params);
      if (!r) return r.error();
      return ok();
    };
    auto op = db.transact<void>(std::move(mark), store_deadline());
    co_return co_await std::move(op);
  }

  // Takes or renews the lease when due. Empty when this replica may
  // publish; else how long to stand by.
  asio::awaitable<Result<std::optional<milliseconds>>> hold_lease() {
    const auto now = internal::steady_now(options.clock);
    if (!lease.due_for_renewal(now)) co_return std::nullopt;
    const milliseconds standby = std::max(milliseconds(1), options.lease_ttl / 3);
    // A standby asks at most every ttl/3, whatever notify() says.
    if (!lease.held(now) && now < next_standby_try)
      co_return std::chrono::ceil<milliseconds>(next_standby_try - now);
    auto op = lease.acquire(store_deadline());
    auto held = co_await std::move(op);
    if (!held) {
      set_lease_held(false);
      co_return held.error();
    }
    set_lease_held(*held);
    if (*held) co_return std::nullopt;
    next_standby_try = now + standby;
    co_return standby;
  }

  asio::awaitable<Result<Round>> round() {
    if (const auto now = internal::steady_now(options.clock); now >= next_count) {
      next_count = now + options.lag_interval;
      auto counted = co_await count_backlog();
      if (!counted) co_return counted.error();
    }
    auto standby = co_await hold_lease();
    if (!standby) co_return standby.error();
    if (*standby) co_return Round{.more = false, .idle = **standby};

    auto op = db.query(
        "SELECT seq, event_id, destination_kind, destination, partition_key, body, delay_ms, created_at_ms "
        "FROM outbox_events WHERE sent_at_ms IS NULL ORDER BY seq LIMIT ?",
        {Value{static_cast<std::int64_t>(options.batch_size)}}, store_deadline());
    auto result = co_await std::move(op);
    if (!result) co_return result.error();
    auto rows = read_rows(*result);
    if (!rows) co_return rows.error();
    if (rows->empty()) {
      set_backlog(0, milliseconds(0));
      co_return Round{.more = false, .idle = options.poll_interval};
    }

    std::vector<std::int64_t> sent;
    sent.reserve(rows->size());
    std::optional<Error> failed;
    const std::vector<DestinationRows> groups = group_by_destination(*rows);
    for (const DestinationRows& group : groups) {
      auto published = co_await publish(group, sent);
      if (!published && !failed) failed = published.error();
    }
    if (!sent.empty()) {
      const std::size_t n = sent.size();
      auto marked = co_await mark_sent(std::move(sent));
      if (!marked) co_return marked.error();
      count_published(n);
    }
    if (failed) co_return *failed;
    if (rows->size() < options.batch_size) {
      set_backlog(0, milliseconds(0));
      co_return Round{.more = false, .idle = options.poll_interval};
    }
    co_return Round{.more = true, .idle = milliseconds(0)};
  }
};

Result<std::unique_ptr<OutboxRelay>> OutboxRelay::create(sql::Database& db, Bus& bus,
                                                         OutboxRelayOptions options) {
  if (options.holder.empty()) return Error::invalid("outbox relay: holder must not be empty");
  if (options.lease_name.empty()) return Error::invalid("outbox relay: lease_name must not be empty");
  if (options.batch_size < 1 || options.batch_size > kMaxBatch)
    return Error::invalid("outbox relay: batch_size must be between 1 and " + std::to_string(kMaxBatch));
  const milliseconds zero{0};
  if (options.lease_ttl <= zero || options.poll_interval <= zero || options.store_timeout <= zero ||
      options.publish_timeout <= zero || options.lag_interval <= zero || options.backoff.base <= zero ||
      options.backoff.cap < options.backoff.base) {
    return Error::invalid(
        "outbox relay: intervals and timeouts must be positive, and backoff.cap >= backoff.base");
  }
  return std::unique_ptr<OutboxRelay>(new OutboxRelay(std::make_unique<State>(db, bus, std::move(options))));
}

OutboxRelay::OutboxRelay(std::unique_ptr<State> state) : state_(std::move(state)) {}
OutboxRelay::~OutboxRelay() = default;

void OutboxRelay::notify() {
  state_->wakeup.notify();
}

OutboxLag OutboxRelay::lag() const {
  std::lock_guard lock(state_->mutex);
  return state_->lag;
}

asio::awaitable<void> OutboxRelay::run() {
  State& s = *state_;
  // Cancellation ends the wait or call in progress; the loop then notices
  // it and releases the lease rather than unwinding by an exception.
  co_await asio::this_coro::throw_if_cancelled(false);
  int failures = 0;
  while (!co_await internal::cancelled()) {
    auto round = co_await s.round();
    // A call cut short by the stop is not an outage; the rows it left are
    // published by whoever relays next.
    if (!round && co_await internal::cancelled()) break;
    if (!round) {
      ++failures;
      s.count_failure();
      telemetry::log(telemetry::Level::kWarn, "outbox_relay_failed",
                     {{"error", round.error().detail},
                      {"code", to_string(round.error().code)},
                      {"consecutive", failures}});
      co_await internal::sleep_unless_cancelled(s.backoff.delay(failures, s.rng));
      continue;
    }
    if (failures > 0)
      telemetry::log(telemetry::Level::kInfo, "outbox_relay_recovered", {{"after", failures}});
    failures = 0;
    if (!round->more) co_await s.wakeup.wait(round->idle);
  }
  if (s.lease.held(internal::steady_now(s.options.clock))) {
    auto op = s.lease.release(s.store_deadline());
    if (auto released = co_await std::move(op); !released) {
      telemetry::log(telemetry::Level::kWarn, "outbox_relay_lease_not_released",
                     {{"error", released.error().detail}});
    }
  }
  s.set_lease_held(false);
}

}  // namespace cafe::bus
