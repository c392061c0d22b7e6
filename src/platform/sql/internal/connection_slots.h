// A fixed set of connections shared by a pool of as many threads: a pool
// thread leases one for the duration of a job. Slots may be empty (a
// connection not made yet, or dropped after a failure) so that the lessee
// can (re)connect.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace cafe::sql::internal {

template <class Conn>
class ConnectionSlots {
 public:
  class Lease {
   public:
    Lease(ConnectionSlots& owner, std::unique_ptr<Conn> conn) : owner_(&owner), conn_(std::move(conn)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { owner_->give_back(std::move(conn_)); }

    std::unique_ptr<Conn>& conn() noexcept { return conn_; }

   private:
    ConnectionSlots* owner_;
    std::unique_ptr<Conn> conn_;
  };

  explicit ConnectionSlots(std::vector<std::unique_ptr<Conn>> slots) : free_(std::move(slots)) {}

  // Never waits in practice: the pool has exactly as many threads as slots.
  Lease acquire() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !free_.empty(); });
    std::unique_ptr<Conn> conn = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(conn));
  }

  // Closes every connection; call only after the pool's threads stopped.
  void clear() {
    std::lock_guard lock(mutex_);
    free_.clear();
  }

 private:
  void give_back(std::unique_ptr<Conn> conn) {
    {
      std::lock_guard lock(mutex_);
      free_.push_back(std::move(conn));
    }
    returned_.notify_one();
  }

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Conn>> free_;  // guarded by mutex_
};

}  // namespace cafe::sql::internal
