#include "bus_fixture.h"

#include "platform/bus/embedded_bus.h"

namespace cafe::bus::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;

void WithBus::SetUp() {
  BusStore::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  start_bus();
  auto client = open_embedded_bus({.addresses = {"127.0.0.1:" + std::to_string(bus_port_)},
                                   .caller = "bus-store-test",
                                   .admin_token = test::kTestAdminToken});
  ASSERT_TRUE(client) << client.error().detail;
  bus_ = std::move(*client);
}

void WithBus::TearDown() {
  for (auto& group : tasks_) {
    if (auto stopped = group->stop(Deadline::after(20s)); !stopped) ADD_FAILURE() << stopped.error().detail;
  }
  stores_.clear();
  // The client closes its pools on the threads that used them: the runner's.
  if (bus_) bus_->close();
  stop_bus();
  BusStore::TearDown();
}

void WithBus::start_bus(std::uint16_t port) {
  app::RunOptions options;
  options.service = "bus";
  options.replica = "bus-test";
  options.port = port;
  options.data_dir = bus_dir_.path().string();
  options.admin_token = test::kTestAdminToken;
  auto created = app::RunningService::create(test::test_config(), options);
  ASSERT_TRUE(created) << created.error().detail;
  auto started = (*created)->start();
  ASSERT_TRUE(started) << started.error().detail;
  bus_service_ = std::move(*created);
  bus_port_ = bus_service_->port();
}

void WithBus::stop_bus() {
  if (!bus_service_) return;
  if (auto stopped = bus_service_->stop(); !stopped) ADD_FAILURE() << stopped.error().detail;
  bus_service_.reset();
}

sql::Database* WithBus::replica(StoreTables tables) {
  auto db = open(tables);
  if (!db) return nullptr;
  return &keep(std::move(db));
}

sql::Database& WithBus::keep(std::unique_ptr<sql::Database> db) {
  stores_.push_back(std::move(db));
  return *stores_.back();
}

std::size_t WithBus::spawn(std::string name, service::TaskGroup::Body body) {
  tasks_.push_back(std::make_unique<service::TaskGroup>());
  auto spawned = tasks_.back()->spawn(executor(), std::move(name), std::move(body));
  EXPECT_TRUE(spawned) << spawned.error().detail;
  return tasks_.size() - 1;
}

Result<void> WithBus::stop(std::size_t task) {
  return tasks_.at(task)->stop(Deadline::after(20s));
}

Result<void> WithBus::declare_queue(const std::string& queue, QueueOptions options) {
  return run([&]() -> asio::awaitable<Result<void>> {
    co_return co_await bus_->declare_queue(queue, options, Deadline::after(5s));
  });
}

Result<void> WithBus::declare_stream(const std::string& stream) {
  return run([&]() -> asio::awaitable<Result<void>> {
    co_return co_await bus_->declare_stream(stream, StreamOptions{}, Deadline::after(5s));
  });
}

Result<void> WithBus::send(const std::string& queue, std::vector<OutgoingMessage> messages) {
  return run([&]() -> asio::awaitable<Result<void>> {
    co_return co_await bus_->send(queue, std::move(messages), Deadline::after(5s));
  });
}

Result<std::vector<std::uint64_t>> WithBus::append(const std::string& stream,
                                                   std::vector<StreamEntry> entries) {
  return run([&]() -> asio::awaitable<Result<std::vector<std::uint64_t>>> {
    co_return co_await bus_->append(stream, std::move(entries), Deadline::after(5s));
  });
}

std::vector<QueueMessage> WithBus::receive(const std::string& queue, std::size_t n) {
  std::vector<QueueMessage> out;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (out.size() < n && std::chrono::steady_clock::now() < until) {
    auto got = run([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
      co_return co_await bus_->receive(queue, {.max_messages = 100, .wait = 500ms, .visibility = {}},
                                       Deadline::after(5s));
    });
    EXPECT_TRUE(got) << got.error().detail;
    if (!got || got->empty()) continue;
    std::vector<std::string> receipts;
    for (const auto& m : *got) receipts.push_back(m.receipt);
    EXPECT_TRUE(run([&]() -> asio::awaitable<Result<void>> {
      co_return co_await bus_->ack(queue, std::move(receipts), Deadline::after(5s));
    }));
    out.insert(out.end(), got->begin(), got->end());
  }
  return out;
}

std::vector<QueueMessage> WithBus::peek(const std::string& queue, std::chrono::milliseconds wait) {
  auto got = run([&]() -> asio::awaitable<Result<std::vector<QueueMessage>>> {
    co_return co_await bus_->receive(queue, {.max_messages = 100, .wait = wait, .visibility = 100ms},
                                     Deadline::after(wait + 5s));
  });
  EXPECT_TRUE(got) << got.error().detail;
  return got ? std::move(*got) : std::vector<QueueMessage>{};
}

std::vector<StreamRecord> WithBus::read(const std::string& stream, std::size_t n) {
  std::vector<StreamRecord> out;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (out.size() < n && std::chrono::steady_clock::now() < until) {
    const std::uint64_t from = out.empty() ? 0 : out.back().offset + 1;
    auto got = run([&]() -> asio::awaitable<Result<std::vector<StreamRecord>>> {
      co_return co_await bus_->read(stream, StreamPosition::at_offset(from),
                                    {.max_records = 100, .wait = 500ms}, Deadline::after(5s));
    });
    EXPECT_TRUE(got) << got.error().detail;
    if (got) out.insert(out.end(), got->begin(), got->end());
  }
  return out;
}

QueueStats WithBus::queue_stats(const std::string& queue) {
  auto stats = run([&]() -> asio::awaitable<Result<std::vector<QueueStats>>> {
    co_return co_await bus_->queue_stats(Deadline::after(5s));
  });
  EXPECT_TRUE(stats) << stats.error().detail;
  if (stats) {
    for (const auto& q : *stats)
      if (q.name == queue) return q;
  }
  ADD_FAILURE() << "no stats for queue " << queue;
  return {};
}

}  // namespace cafe::bus::testing
