#include "platform/bus/lease.h"

#include "platform/bus/internal/wall_clock.h"

#include <vector>

namespace cafe::bus {

namespace asio = boost::asio;
using sql::Value;

Lease::Lease(sql::Database& db, LeaseOptions options) : db_(db), options_(std::move(options)) {}

asio::awaitable<Result<bool>> Lease::acquire(Deadline deadline) {
  // Measured before anything is asked, so held_until_ errs early.
  const auto asked_at = internal::steady_now(options_.clock);
  const std::int64_t now_ms = internal::wall_now_ms(options_.clock);

  std::vector<Value> key{options_.name};
  auto read =
      db_.query("SELECT holder, expires_at_ms FROM bus_leases WHERE name = ?", std::move(key), deadline);
  auto current = co_await std::move(read);
  if (!current) co_return current.error();
  if (!current->empty()) {
    sql::RowReader row(current->rows[0]);
    const std::string holder = row.text();
    const std::int64_t expires_at_ms = row.integer();
    if (auto ok = row.status(); !ok) co_return ok.error();
    if (holder != options_.holder && expires_at_ms > now_ms) {
      held_until_.reset();
      co_return false;
    }
  }

  const std::int64_t expires_at_ms = now_ms + options_.ttl.count();
  // The update happens only for this holder or over an expired lease: two
  // replicas racing for a free lease both write, and only one row wins.
  auto take = [name = options_.name, holder = options_.holder, expires_at_ms,
               now_ms](sql::Transaction& tx) -> Result<bool> {
    const std::vector<Value> params{name, holder, expires_at_ms, now_ms};
    auto r = tx.execute(
        "INSERT INTO bus_leases (name, holder, expires_at_ms) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms "
        "WHERE bus_leases.holder = excluded.holder OR bus_leases.expires_at_ms <= ?",
        params);
    if (!r) return r.error();
    return r->affected == 1;
  };
  auto write = db_.transact<bool>(std::move(take), deadline);
  auto taken = co_await std::move(write);
  if (!taken) {
    // Whether the write landed is unknown: assume not held, renew next time.
    held_until_.reset();
    co_return taken.error();
  }
  if (*taken) {
    held_until_ = asked_at + options_.ttl;
  } else {
    held_until_.reset();
  }
  co_return *taken;
}

asio::awaitable<Result<void>> Lease::release(Deadline deadline) {
  held_until_.reset();
  auto give_up = [name = options_.name, holder = options_.holder](sql::Transaction& tx) -> Result<void> {
    const std::vector<Value> params{name, holder};
    auto r = tx.execute("DELETE FROM bus_leases WHERE name = ? AND holder = ?", params);
    if (!r) return r.error();
    return ok();
  };
  auto write = db_.transact<void>(std::move(give_up), deadline);
  co_return co_await std::move(write);
}

bool Lease::held(std::chrono::steady_clock::time_point now) const noexcept {
  return held_until_ && now < *held_until_;
}

bool Lease::due_for_renewal(std::chrono::steady_clock::time_point now) const noexcept {
  return !held(now) || *held_until_ - now < options_.ttl * 2 / 3;
}

}  // namespace cafe::bus
