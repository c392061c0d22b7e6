#include "platform/core/blocking_pool.h"

#include <pthread.h>

namespace cafe {

BlockingPool::BlockingPool(Options options) : options_(std::move(options)) {
  if (options_.threads < 1) options_.threads = 1;
  threads_.reserve(static_cast<std::size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] { worker_loop(); });
    // Thread names show up in top/perf; Linux caps them at 15 characters.
    pthread_setname_np(threads_.back().native_handle(), options_.name.substr(0, 15).c_str());
  }
}

BlockingPool::~BlockingPool() {
  stop();
}

void BlockingPool::submit(std::unique_ptr<BlockingJob> job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.queue_limit) {
      queue_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job->refuse(Error::unavailable(options_.name + " pool is saturated or stopping"));
}

void BlockingPool::stop() {
  std::deque<std::unique_ptr<BlockingJob>> refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    refused.swap(queue_);
  }
  wake_.notify_all();
  for (auto& job : refused) job->refuse(Error::unavailable(options_.name + " pool stopped"));
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t BlockingPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void BlockingPool::worker_loop() {
  for (;;) {
    std::unique_ptr<BlockingJob> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->run();
  }
}

}  // namespace cafe
