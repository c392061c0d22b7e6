#include "platform/upstream/thread_clients.h"

#include <boost/asio/post.hpp>

namespace cafe::upstream {
namespace {
std::atomic<std::uint64_t> next_id{1};
}

ThreadClients::ThreadClients(http_client::ClientOptions options, prometheus::Registry* metrics)
    : options_(std::move(options)), metrics_(metrics), id_(next_id.fetch_add(1)) {}

ThreadClients::~ThreadClients() = default;

http_client::Client* ThreadClients::for_this_thread(const boost::asio::any_io_executor& executor) {
  // Remembered per thread without a lock; keyed by a process-unique id so
  // an instance created where a destroyed one lived never sees its client.
  thread_local std::uint64_t cached_owner = 0;
  thread_local http_client::Client* cached_client = nullptr;
  if (cached_owner == id_) return cached_client;
  std::lock_guard lock(mutex_);
  auto it = clients_.find(std::this_thread::get_id());
  if (it == clients_.end()) {
    if (stopping_.load()) return nullptr;
    auto client = std::make_shared<http_client::Client>(executor, options_, metrics_);
    it = clients_.emplace(std::this_thread::get_id(), PerThread{executor, std::move(client)}).first;
  }
  cached_owner = id_;
  cached_client = it->second.client.get();
  return cached_client;
}

void ThreadClients::close_all() {
  stop_creating();
  std::lock_guard lock(mutex_);
  for (auto& [thread, per_thread] : clients_) {
    // The client is not thread-safe: it closes on the thread that owns it.
    boost::asio::post(per_thread.executor, [client = per_thread.client] { client->close(); });
  }
}

}  // namespace cafe::upstream
