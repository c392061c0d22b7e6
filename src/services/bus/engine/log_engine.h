// The embedded bus itself: the Bus interface served from memory and made
// durable in the process's SQLite log. Every change is committed before the
// call resumes (sends and appends before they are acknowledged; receives
// before the messages are handed out, so receive counts survive a crash),
// and the database's single writer groups concurrent calls into one commit.
// The memory indexes (QueueState, StreamState) are rebuilt from the log at
// start-up, so killing the process loses nothing acknowledged.
//
// Long polls park on a timer in the caller's executor; a send, append,
// nack or redrive wakes the parked callers of that queue or stream.
// Thread-safe: one mutex guards the indexes and is never held across a
// co_await.
#pragma once

#include "platform/bus/bus.h"
#include "platform/sql/database.h"
#include "services/bus/engine/log_writes.h"
#include "services/bus/engine/queue_state.h"
#include "services/bus/engine/stream_state.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace cafe::bus::engine {

struct EngineOptions {
  std::size_t max_waiters = 1024;  // parked long polls per queue or stream; beyond: kResourceExhausted
  std::size_t max_queues = 1024;   // declared queues; a declaration beyond: kResourceExhausted
  std::size_t max_streams = 1024;  // likewise for streams
  // Wall clock in Unix milliseconds (injected by tests).
  std::function<std::int64_t()> now_ms;
};

class LogEngine final : public Bus {
 public:
  LogEngine(sql::Database& db, EngineOptions options);
  ~LogEngine() override;

  // Reads the log back into memory. Blocking: call once, before serving.
  Result<void> load();

  // Drops expired dead letters and stream records from memory and from the
  // log. Called periodically by the bus service.
  boost::asio::awaitable<Result<void>> apply_retention(Deadline deadline);

  boost::asio::awaitable<Result<void>> declare_queue(std::string queue, QueueOptions options,
                                                     Deadline deadline) override;
  boost::asio::awaitable<Result<void>> declare_stream(std::string stream, StreamOptions options,
                                                      Deadline deadline) override;
  boost::asio::awaitable<Result<void>> send(std::string queue, std::vector<OutgoingMessage> messages,
                                            Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<QueueMessage>>> receive(std::string queue, ReceiveOptions options,
                                                                    Deadline deadline) override;
  boost::asio::awaitable<Result<void>> ack(std::string queue, std::vector<std::string> receipts,
                                           Deadline deadline) override;
  boost::asio::awaitable<Result<void>> nack(std::string queue, std::vector<std::string> receipts,
                                            std::chrono::milliseconds delay, Deadline deadline) override;
  boost::asio::awaitable<Result<void>> extend(std::string queue, std::vector<std::string> receipts,
                                              std::chrono::milliseconds visibility,
                                              Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<QueueMessage>>> peek(std::string queue, std::size_t limit,
                                                                 Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<QueueMessage>>> dead_letters(std::string queue, std::size_t limit,
                                                                         Deadline deadline) override;
  boost::asio::awaitable<Result<std::size_t>> redrive(std::string queue, std::size_t limit,
                                                      Deadline deadline) override;
  boost::asio::awaitable<Result<std::size_t>> purge(std::string queue, Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<std::uint64_t>>> append(std::string stream,
                                                                    std::vector<StreamEntry> entries,
                                                                    Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<StreamRecord>>> read(std::string stream, StreamPosition from,
                                                                 ReadOptions options,
                                                                 Deadline deadline) override;
  boost::asio::awaitable<Result<void>> commit(std::string stream, std::string group, std::uint64_t offset,
                                              Deadline deadline) override;
  boost::asio::awaitable<Result<std::optional<std::uint64_t>>> committed(std::string stream,
                                                                         std::string group,
                                                                         Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<QueueStats>>> queue_stats(Deadline deadline) override;
  boost::asio::awaitable<Result<std::vector<StreamStats>>> stream_stats(Deadline deadline) override;

  // Operations counted since start, per queue and per stream (for metrics).
  struct QueueTotals {
    std::uint64_t sent = 0, received = 0, acked = 0, dead_lettered = 0, redriven = 0;
  };
  std::map<std::string, QueueTotals> queue_totals();
  std::map<std::string, std::uint64_t> appended_totals();

  std::string_view backend() const noexcept override { return "embedded"; }
  // Wakes every parked long poll (they answer kUnavailable) and refuses
  // later calls.
  void close() override;

 private:
  struct Waiter;
  struct Waiters {
    std::vector<std::shared_ptr<Waiter>> parked;
    void wake_all();
  };
  struct Queue {
    explicit Queue(QueueOptions options) : state(options) {}
    QueueState state;
    Waiters waiters;
    QueueTotals totals;
  };
  struct Stream {
    explicit Stream(StreamOptions options) : state(options) {}
    StreamState state;
    Waiters waiters;
    std::uint64_t appended = 0;
    std::uint64_t disk_floor = 0;  // rows below this offset are gone from the log too
  };

  std::int64_t now_ms() const { return options_.now_ms(); }
  Result<Queue*> find_queue(const std::string& name);
  // Under the lock, `change` edits the queue's indexes and adds the rows
  // that must be written; they are committed after the lock is released.
  using QueueChange = std::function<void(Queue&, std::vector<Statement>&)>;
  boost::asio::awaitable<Result<void>> change_queue(std::string queue, QueueChange change, Deadline deadline);
  Result<Stream*> find_stream(const std::string& name);
  // Parks until woken, `until_ms` (wall clock) or the deadline; false when
  // too many are parked already or the engine closed.
  boost::asio::awaitable<Result<void>> park(Waiters& waiters, std::int64_t until_ms);

  sql::Database& db_;
  EngineOptions options_;
  std::mutex mutex_;
  bool closed_ = false;
  std::int64_t next_seq_ = 1;
  std::map<std::string, std::unique_ptr<Queue>, std::less<>> queues_;
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams_;
};

}  // namespace cafe::bus::engine
