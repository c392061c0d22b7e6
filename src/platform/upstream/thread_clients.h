// One http_client::Client per I/O thread (the client is single-threaded by
// contract), created on a thread's first call and closed when that thread
// has drained at shutdown. The lookup on the hot path takes no lock.
#pragma once

#include "platform/http_client/client.h"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace prometheus {
class Registry;
}

namespace cafe::upstream {

class ThreadClients {
 public:
  ThreadClients(http_client::ClientOptions options, prometheus::Registry* metrics);
  ~ThreadClients();
  ThreadClients(const ThreadClients&) = delete;
  ThreadClients& operator=(const ThreadClients&) = delete;

  // This thread's client, created on `executor` (this thread's) on first
  // use; null for a thread that had none once stop_creating() was called.
  http_client::Client* for_this_thread(const boost::asio::any_io_executor& executor);
  // No new clients from now on (shutdown has begun).
  void stop_creating() noexcept { stopping_.store(true); }
  // Closes every client on its own thread (each is posted its close): call
  // once background work has stopped, while the I/O threads still run.
  void close_all();

 private:
  http_client::ClientOptions options_;
  prometheus::Registry* metrics_;
  const std::uint64_t id_;  // process-unique: a cache never sees another instance's client
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  struct PerThread {
    boost::asio::any_io_executor executor;
    std::shared_ptr<http_client::Client> client;
  };
  std::unordered_map<std::thread::id, PerThread> clients_;  // guarded by mutex_
};

}  // namespace cafe::upstream
