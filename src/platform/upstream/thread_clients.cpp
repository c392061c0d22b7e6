#include "platform/upstream/thread_clients.h"

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
    it = clients_
             .emplace(std::this_thread::get_id(),
                      std::make_shared<http_client::Client>(executor, options_, metrics_))
             .first;
  }
  cached_owner = id_;
  cached_client = it->second.get();
  return cached_client;
}

void ThreadClients::close_this_thread() {
  std::shared_ptr<http_client::Client> mine;
  {
    std::lock_guard lock(mutex_);
    if (auto it = clients_.find(std::this_thread::get_id()); it != clients_.end()) mine = it->second;
  }
  if (mine) mine->close();
}

}  // namespace cafe::upstream
