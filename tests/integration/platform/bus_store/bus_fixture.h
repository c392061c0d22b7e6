// BusStore plus a real embedded bus: `serve bus` in-process on a loopback
// port with its own data dir (restartable on the same port, for outages),
// the client services use, and background tasks stopped before anything
// they use goes away.
#pragma once

#include "app/running_service.h"
#include "bus_store_fixture.h"
#include "platform/bus/bus.h"
#include "platform/service/task_group.h"
#include "support/service_harness.h"

#include <memory>
#include <string>
#include <vector>

namespace cafe::bus::testing {

class WithBus : public BusStore {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the bus process (on `port`, 0: a free one) over the same data dir.
  void start_bus(std::uint16_t port = 0);
  // Stops it as an outage would look to clients: connections refused.
  void stop_bus();

  // A store that lives until the tasks have stopped (TearDown): what a
  // background task uses must. nullptr (and a failed test) on error.
  sql::Database* replica(StoreTables tables = kAllTables);
  sql::Database& keep(std::unique_ptr<sql::Database> db);

  // Runs `body` as a background task of its own group; stop(i) stops it.
  std::size_t spawn(std::string name, service::TaskGroup::Body body);
  Result<void> stop(std::size_t task);

  Result<void> declare_queue(const std::string& queue, QueueOptions options = {});
  Result<void> declare_stream(const std::string& stream);
  Result<void> send(const std::string& queue, std::vector<OutgoingMessage> messages);
  Result<std::vector<std::uint64_t>> append(const std::string& stream, std::vector<StreamEntry> entries);
  // Receives (and acks) until `n` messages came or 10 s passed.
  std::vector<QueueMessage> receive(const std::string& queue, std::size_t n);
  // What a receive that waits `wait` finds, without acking.
  std::vector<QueueMessage> peek(const std::string& queue, std::chrono::milliseconds wait);
  // Reads the stream from the start until `n` records came or 10 s passed.
  std::vector<StreamRecord> read(const std::string& stream, std::size_t n);
  QueueStats queue_stats(const std::string& queue);

  test::TempDir bus_dir_;
  std::unique_ptr<app::RunningService> bus_service_;
  std::uint16_t bus_port_ = 0;
  std::unique_ptr<Bus> bus_;
  std::vector<std::unique_ptr<service::TaskGroup>> tasks_;
  std::vector<std::unique_ptr<sql::Database>> stores_;
};

}  // namespace cafe::bus::testing
