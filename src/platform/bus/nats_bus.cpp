#include "platform/bus/nats_bus.h"

#include "platform/bus/internal/nats_leases.h"
#include "platform/bus/internal/nats_link.h"
#include "platform/bus/internal/nats_queue_admin.h"
#include "platform/bus/internal/nats_queue_messages.h"
#include "platform/bus/internal/nats_receiver.h"
#include "platform/bus/internal/nats_streams.h"
#include "platform/bus/validate.h"
#include "platform/core/blocking_pool.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

namespace cafe::bus {
namespace {

namespace asio = boost::asio;
using namespace internal;  // the backend's parts, not the shared checks in validate.h

Error closed_error() {
  return Error::unavailable("the bus is closed");
}

// `job`, preceded on its thread by a check that the connection is up.
template <class Job>
auto when_connected(NatsLink& link, Job job) {
  return [&link, job = std::move(job)]() mutable -> std::invoke_result_t<Job&> {
    if (auto up = link.ready(); !up) return up.error();
    return job();
  };
}

class NatsBus final : public Bus {
 public:
  NatsBus(std::unique_ptr<NatsLink> link, const NatsBusOptions& options)
      : options_(options),
        link_(std::move(link)),
        leases_(*link_, options.max_deliveries),
        calls_(
            {.name = "nats-bus", .threads = options.call_threads, .queue_limit = options.call_queue_limit}),
        reads_(
            {.name = "nats-read", .threads = options.read_threads, .queue_limit = options.read_queue_limit}) {
  }

  ~NatsBus() override { close(); }

  asio::awaitable<Result<void>> declare_queue(std::string queue, QueueOptions options,
                                              Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r;
    if (auto r = check_queue_options(options); !r) co_return r;
    auto job = [this, queue = std::move(queue), options, deadline] {
      return internal::declare_queue(*link_, queue, options, options_.visibility_grace, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<void>> declare_stream(std::string stream, StreamOptions options,
                                               Deadline deadline) override {
    if (auto r = check_name("stream", stream); !r) co_return r;
    if (auto r = check_stream_options(options); !r) co_return r;
    auto job = [this, stream = std::move(stream), options, deadline] {
      return declare_event_stream(*link_, stream, options, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<void>> send(std::string queue, std::vector<OutgoingMessage> messages,
                                     Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r;
    if (auto r = check_messages(messages); !r) co_return r;
    auto job = [this, queue = std::move(queue), messages = std::move(messages), deadline] {
      return send_messages(*link_, queue, messages, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<QueueMessage>>> receive(std::string queue, ReceiveOptions options,
                                                             Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r.error();
    if (auto r = check_receive(options); !r) co_return r.error();
    auto found = co_await receiver(queue, deadline);
    if (!found) co_return found.error();
    QueueReceiver* receiver = *found;
    auto job = when_connected(*link_,
                              [receiver, options, deadline] { return receiver->receive(options, deadline); });
    co_return co_await run_blocking(receiver->pool(), std::move(job), deadline);
  }

  asio::awaitable<Result<void>> ack(std::string queue, std::vector<std::string> receipts,
                                    Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r;
    if (auto r = check_receipts(receipts); !r) co_return r;
    auto job = [this, queue = std::move(queue), receipts = std::move(receipts), deadline] {
      return ack_deliveries(*link_, leases_, queue, receipts, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<void>> nack(std::string queue, std::vector<std::string> receipts,
                                     std::chrono::milliseconds delay, Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r;
    if (auto r = check_receipts(receipts); !r) co_return r;
    if (auto r = check_delay(delay); !r) co_return r;
    auto job = [this, queue = std::move(queue), receipts = std::move(receipts), delay, deadline] {
      return nack_deliveries(*link_, leases_, queue, receipts, delay, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<void>> extend(std::string queue, std::vector<std::string> receipts,
                                       std::chrono::milliseconds visibility, Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r;
    if (auto r = check_receipts(receipts); !r) co_return r;
    if (auto r = check_visibility(visibility); !r) co_return r;
    auto job = [this, queue = std::move(queue), receipts = std::move(receipts), visibility, deadline] {
      return extend_deliveries(*link_, leases_, queue, receipts, visibility, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<QueueMessage>>> peek(std::string queue, std::size_t limit,
                                                          Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r.error();
    limit = std::clamp<std::size_t>(limit, 1, kMaxBatch);
    auto job = [this, queue = std::move(queue), limit, deadline] {
      return peek_messages(*link_, queue, limit, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<QueueMessage>>> dead_letters(std::string queue, std::size_t limit,
                                                                  Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r.error();
    limit = std::clamp<std::size_t>(limit, 1, kMaxBatch);
    auto job = [this, queue = std::move(queue), limit, deadline] {
      return peek_dead_letters(*link_, queue, limit, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::size_t>> redrive(std::string queue, std::size_t limit,
                                               Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r.error();
    limit = std::clamp<std::size_t>(limit, 1, kMaxBatch);
    auto job = [this, queue = std::move(queue), limit, deadline] {
      return redrive_dead_letters(*link_, queue, limit, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::size_t>> purge(std::string queue, Deadline deadline) override {
    if (auto r = check_name("queue", queue); !r) co_return r.error();
    auto job = [this, queue = std::move(queue), deadline] {
      return purge_queue(*link_, leases_, queue, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<std::uint64_t>>> append(std::string stream,
                                                             std::vector<StreamEntry> entries,
                                                             Deadline deadline) override {
    if (auto r = check_name("stream", stream); !r) co_return r.error();
    if (auto r = check_entries(entries); !r) co_return r.error();
    auto job = [this, stream = std::move(stream), entries = std::move(entries), deadline] {
      return append_entries(*link_, stream, entries, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<StreamRecord>>> read(std::string stream, StreamPosition from,
                                                          ReadOptions options, Deadline deadline) override {
    if (auto r = check_name("stream", stream); !r) co_return r.error();
    if (auto r = check_read(from, options); !r) co_return r.error();
    if (closed_) co_return closed_error();
    auto job =
        when_connected(*link_, [this, stream = std::move(stream), from = std::move(from), options, deadline] {
          return read_records(*link_, stream, from, options, deadline);
        });
    co_return co_await run_blocking(reads_, std::move(job), deadline);
  }

  asio::awaitable<Result<void>> commit(std::string stream, std::string group, std::uint64_t offset,
                                       Deadline deadline) override {
    if (auto r = check_name("stream", stream); !r) co_return r;
    if (auto r = check_name("group", group); !r) co_return r;
    auto job = [this, stream = std::move(stream), group = std::move(group), offset, deadline] {
      return commit_offset(*link_, stream, group, offset, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::optional<std::uint64_t>>> committed(std::string stream, std::string group,
                                                                  Deadline deadline) override {
    if (auto r = check_name("stream", stream); !r) co_return r.error();
    if (auto r = check_name("group", group); !r) co_return r.error();
    auto job = [this, stream = std::move(stream), group = std::move(group), deadline] {
      return committed_offset(*link_, stream, group, deadline);
    };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<QueueStats>>> queue_stats(Deadline deadline) override {
    auto job = [this, deadline] { return internal::queue_stats(*link_, deadline); };
    co_return co_await call(std::move(job), deadline);
  }

  asio::awaitable<Result<std::vector<StreamStats>>> stream_stats(Deadline deadline) override {
    auto job = [this, deadline] { return event_stream_stats(*link_, deadline); };
    co_return co_await call(std::move(job), deadline);
  }

  std::string_view backend() const noexcept override { return "nats"; }

  void close() override {
    if (closed_.exchange(true)) return;
    // First the connection, so that every wait on it (a long poll, a
    // request) ends at once; then the threads, which can now be joined.
    link_->close();
    std::vector<QueueReceiver*> receivers;
    {
      std::lock_guard lock(mutex_);
      for (auto& [name, r] : receivers_) receivers.push_back(r.get());
    }
    // Stopped, not destroyed: a receive may still hold one, and finds its
    // pool refusing work.
    for (auto* r : receivers) r->stop();
    reads_.stop();
    calls_.stop();
    leases_.stop();
  }

 private:
  // Runs `job` on the pool for short calls, resuming on the caller's
  // executor; kUnavailable once closed or while disconnected.
  template <class Job>
  asio::awaitable<std::invoke_result_t<Job&>> call(Job job, Deadline deadline) {
    if (closed_) co_return closed_error();
    auto checked = when_connected(*link_, std::move(job));
    co_return co_await run_blocking(calls_, std::move(checked), deadline);
  }

  // The queue's receiver, made on its first receive once the queue is
  // known to exist (so that a mistyped name takes no threads).
  asio::awaitable<Result<QueueReceiver*>> receiver(std::string queue, Deadline deadline) {
    if (closed_) co_return closed_error();
    {
      std::lock_guard lock(mutex_);
      if (auto it = receivers_.find(queue); it != receivers_.end()) co_return it->second.get();
    }
    auto check = [this, queue, deadline] { return queue_exists(*link_, queue, deadline); };
    auto exists = co_await call(std::move(check), deadline);
    if (!exists) co_return exists.error();
    std::lock_guard lock(mutex_);
    if (closed_) co_return closed_error();
    auto it = receivers_.find(queue);
    if (it != receivers_.end()) co_return it->second.get();
    if (receivers_.size() >= options_.max_receiving_queues) {
      co_return Error::make(ErrorCode::kResourceExhausted, "this bus receives from as many queues as it may");
    }
    auto made = std::make_unique<QueueReceiver>(*link_, leases_, queue, options_);
    QueueReceiver* raw = made.get();
    receivers_.emplace(queue, std::move(made));
    co_return raw;
  }

  const NatsBusOptions options_;
  std::unique_ptr<NatsLink> link_;
  LeaseBook leases_;
  BlockingPool calls_;
  BlockingPool reads_;
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<QueueReceiver>> receivers_;  // guarded by mutex_; never shrinks
};

}  // namespace

Result<std::unique_ptr<Bus>> open_nats_bus(const NatsBusOptions& options) {
  auto link = NatsLink::connect(options);
  if (!link) return link.error();
  return std::unique_ptr<Bus>(std::make_unique<NatsBus>(std::move(*link), options));
}

}  // namespace cafe::bus
