#include "platform/bus/internal/nats_leases.h"

#include "platform/core/ids.h"

#include <algorithm>
#include <pthread.h>

namespace cafe::bus::internal {
namespace {

using namespace std::chrono_literals;

// "In progress" goes this long before JetStream's ack wait would run out:
// a third of the wait, at most a second, so that one lost note is
// followed by another in time.
std::chrono::milliseconds keepalive_lead(std::chrono::milliseconds ack_wait) {
  return std::min<std::chrono::milliseconds>(ack_wait / 3, 1000ms);
}

}  // namespace

LeaseBook::LeaseBook(NatsLink& link, std::size_t capacity)
    : link_(link), capacity_(capacity), token_(new_span_id().substr(0, 8)) {
  keeper_ = std::thread([this] { keep(); });
  pthread_setname_np(keeper_.native_handle(), "nats-visibility");
}

LeaseBook::~LeaseBook() {
  stop();
}

void LeaseBook::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (keeper_.joinable()) keeper_.join();
}

std::size_t LeaseBook::reserve(std::size_t wanted) {
  std::lock_guard lock(mutex_);
  const std::size_t used = leases_.size() + reserved_;
  const std::size_t granted = used >= capacity_ ? 0 : std::min(wanted, capacity_ - used);
  reserved_ += granted;
  return granted;
}

void LeaseBook::release(std::size_t unused) {
  std::lock_guard lock(mutex_);
  reserved_ -= std::min(unused, reserved_);
}

LeaseBook::Clock::time_point LeaseBook::due(const Lease& lease) const {
  return std::min(lease.visible_at, lease.server_expiry - keepalive_lead(lease.ack_wait));
}

void LeaseBook::schedule(const std::string& receipt, const Lease& lease) {
  const auto at = due(lease);
  const bool earliest = due_.empty() || at < due_.begin()->first;
  due_.emplace(at, receipt);
  if (earliest) wake_.notify_one();
}

void LeaseBook::unschedule(const std::string& receipt, const Lease& lease) {
  due_.erase({due(lease), receipt});
}

std::string LeaseBook::hold(Lease lease) {
  std::lock_guard lock(mutex_);
  if (reserved_ > 0) --reserved_;
  std::string receipt = token_ + "." + std::to_string(next_++);
  schedule(receipt, lease);
  leases_.emplace(receipt, std::move(lease));
  return receipt;
}

std::vector<std::optional<LeaseBook::Lease>> LeaseBook::take(const std::string& queue,
                                                             const std::vector<std::string>& receipts) {
  std::vector<std::optional<Lease>> taken(receipts.size());
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    auto it = leases_.find(receipts[i]);
    if (it == leases_.end() || it->second.queue != queue) continue;
    unschedule(it->first, it->second);
    taken[i] = std::move(it->second);
    leases_.erase(it);
  }
  return taken;
}

void LeaseBook::restore(std::vector<std::pair<std::string, Lease>> leases) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  for (auto& [receipt, lease] : leases) {
    if (lease.visible_at <= now || stopping_) continue;  // lapsed meanwhile: JetStream redelivers it
    schedule(receipt, lease);
    leases_.emplace(receipt, std::move(lease));
  }
}

std::vector<bool> LeaseBook::extend(const std::string& queue, const std::vector<std::string>& receipts,
                                    std::chrono::milliseconds visibility) {
  std::vector<bool> held(receipts.size(), false);
  const auto visible_at = Clock::now() + visibility;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    auto it = leases_.find(receipts[i]);
    if (it == leases_.end() || it->second.queue != queue) continue;
    unschedule(it->first, it->second);
    it->second.visible_at = visible_at;
    schedule(it->first, it->second);
    held[i] = true;
  }
  return held;
}

void LeaseBook::forget_queue(const std::string& queue) {
  std::lock_guard lock(mutex_);
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.queue != queue) {
      ++it;
      continue;
    }
    unschedule(it->first, it->second);
    it = leases_.erase(it);
  }
}

void LeaseBook::keep() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto next = due_.begin()->first;
    if (Clock::now() < next) {
      wake_.wait_until(lock, next);
      continue;
    }
    const std::string receipt = due_.begin()->second;
    due_.erase(due_.begin());
    auto it = leases_.find(receipt);
    if (it == leases_.end()) continue;
    const auto now = Clock::now();
    Lease& lease = it->second;
    std::string subject = lease.ack_subject;
    if (lease.visible_at <= now) {
      // Visibility ran out: visible again now, and the receipt is stale.
      leases_.erase(it);
      lock.unlock();
      link_.tell(subject, kNak);
    } else {
      lease.server_expiry = now + lease.ack_wait;
      schedule(receipt, lease);
      lock.unlock();
      link_.tell(subject, kInProgress);
    }
    lock.lock();
  }
}

}  // namespace cafe::bus::internal
