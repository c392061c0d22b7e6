// The service kit's host with a small service of the test's own, over real
// sockets: the shutdown's phases and their order, the concurrency limit on
// a route, the final deadline, and the backends a Definition declares.
#include "platform/service/host.h"

#include "platform/service/task_group.h"
#include "platform/upstream/service_client.h"
#include "support/http_test_client.h"
#include "support/service_harness.h"
#include "unit/platform/service/io_thread.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

namespace cafe::service {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::Gate;

struct BaristaConfig {
  SqlConfig store;
};

const sql::Migration kMigrations[] = {{1, "cups", "CREATE TABLE cups (id INTEGER PRIMARY KEY)"}};

// What happened, in order, across threads.
class Journal {
 public:
  void add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
    changed_.notify_all();
  }
  bool wait_for(const std::string& event, std::chrono::milliseconds within = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(
        lock, within, [&] { return std::find(events_.begin(), events_.end(), event) != events_.end(); });
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

Result<sql::Rows> query_now(sql::Database& db, std::string sql) {
  asio::io_context io;
  auto rows = asio::co_spawn(io, db.query(std::move(sql), {}), asio::use_future);
  io.run();
  return rows.get();
}

asio::awaitable<void> wait_an_hour() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
  co_await timer.async_wait(asio::use_awaitable);
}

// A service that writes down what the kit does to it.
class Barista final : public Service {
 public:
  Barista(ServiceContext& context, Journal& journal, Gate& gate, bool stuck_task)
      : context_(context), journal_(journal), gate_(gate), stuck_task_(stuck_task) {}

  Result<void> add_routes(http::Router& router) override {
    auto slow = [this](http::Request&) -> asio::awaitable<http::Response> {
      journal_.add("request_started");
      asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
      co_await timer.async_wait(asio::use_awaitable);
      journal_.add("request_finished");
      co_return http::Response::json(200, R"({"cup":"full"})");
    };
    auto gated = [this](http::Request&) -> asio::awaitable<http::Response> {
      journal_.add("gated_entered");
      co_await gate_.wait();
      co_return http::Response::json(200, "{}");
    };
    if (auto r = router.add(http::Method::kGet, "/slow", slow); !r) return r;
    return router.add(http::Method::kGet, "/gated", gated);
  }

  bool ready() const override { return true; }

  Result<void> start(ServiceContext& context) override {
    auto loop = [this]() -> asio::awaitable<void> {
      try {
        co_await wait_an_hour();
      } catch (...) {
        journal_.add("background_cancelled");
        throw;
      }
    };
    if (auto spawned = context.tasks().spawn(context.executor(0), "barista-loop", loop); !spawned)
      return spawned;
    if (!stuck_task_) return {};
    // Waits on work Asio cannot cancel, and never looks at the group.
    return context.tasks().spawn(context.executor(0), "barista-stuck",
                                 [this]() -> asio::awaitable<void> { co_await gate_.wait(); });
  }

  void stop_background() override { journal_.add("stop_background"); }

  void close_clients() override {
    journal_.add("close_clients");
    if (query_now(context_.database(), "SELECT count(*) FROM cups"))
      journal_.add("database_open_at_close_clients");
  }

 private:
  ServiceContext& context_;
  Journal& journal_;
  Gate& gate_;
  bool stuck_task_;
};

Definition barista(Journal& journal, Gate& gate, bool stuck_task = false) {
  return define<BaristaConfig>({
      .name = "barista",
      .description = "pulls shots slowly",
      .read_config = nullptr,
      .database = &BaristaConfig::store,
      .migrations = [] { return std::span<const sql::Migration>(kMigrations); },
      .cache = nullptr,
      .make = [&journal, &gate, stuck_task](ServiceContext& context,
                                            const BaristaConfig&) -> Result<std::unique_ptr<Service>> {
        // Opened and migrated before the factory runs.
        if (!query_now(context.database(), "SELECT count(*) FROM cups"))
          return Error::internal("not migrated");
        return std::unique_ptr<Service>(std::make_unique<Barista>(context, journal, gate, stuck_task));
      },
  });
}

class ServiceHost : public ::testing::Test {
 protected:
  std::unique_ptr<Host> start(const Definition& definition, LimitsConfig limits = {},
                              std::chrono::milliseconds shutdown_timeout = 10s) {
    HostOptions options;
    options.replica = "barista-1";
    options.data_dir = dir_.path().string();
    options.admin_token = test::kTestAdminToken;
    options.access_log = false;
    options.server.drain_timeout = 5s;
    options.shutdown_timeout = shutdown_timeout;
    ServiceSection section{.config = definition.default_config(), .limits = std::move(limits)};
    auto host = Host::create(definition, section, options);
    EXPECT_TRUE(host) << host.error().detail;
    if (!host) return nullptr;
    auto started = (*host)->start();
    EXPECT_TRUE(started) << started.error().detail;
    return std::move(*host);
  }

  test::TempDir dir_;
  Journal journal_;
  Gate gate_;
};

TEST_F(ServiceHost, ShutsDownInOrderedPhasesEachAwaitedBeforeTheNext) {
  const Definition definition = barista(journal_, gate_);
  auto host = start(definition);
  ASSERT_TRUE(host);
  const auto port = host->port();
  auto in_flight = std::async(std::launch::async, [port] { return test::get(port, "/slow"); });
  ASSERT_TRUE(journal_.wait_for("request_started"));

  auto stopped = host->shutdown();
  ASSERT_TRUE(stopped) << stopped.error().detail;
  EXPECT_EQ(in_flight.get().status, 200) << "the drain lets the in-flight request finish";
  EXPECT_EQ(journal_.events(), (std::vector<std::string>{"request_started", "request_finished",
                                                         "stop_background", "background_cancelled",
                                                         "close_clients", "database_open_at_close_clients"}));
  std::vector<std::string> phases;
  for (const auto& phase : host->shutdown_report()) {
    EXPECT_TRUE(phase.done) << phase.name;
    phases.push_back(phase.name);
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"stop_accepting", "drain", "stop_background", "close_clients",
                                              "close_database", "stop_io"}));
  EXPECT_EQ(test::get(port, "/health/live").status, 0) << "no longer accepting";
  EXPECT_TRUE(host->shutdown()) << "idempotent";
}

TEST_F(ServiceHost, ShedsARouteAtItsConcurrencyLimitWith503AndRetryAfter) {
  const Definition definition = barista(journal_, gate_);
  LimitsConfig limits;
  limits.routes.emplace("/gated", 1);
  auto host = start(definition, limits);
  ASSERT_TRUE(host);
  const auto port = host->port();
  auto first = std::async(std::launch::async, [port] { return test::get(port, "/gated"); });
  ASSERT_TRUE(journal_.wait_for("gated_entered"));
  const auto shed = test::get(port, "/gated");
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(shed.header("retry-after"), "1");
  EXPECT_EQ(shed.header("content-type"), "application/problem+json");
  // Other routes keep their own limits.
  gate_.open();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(test::get(port, "/gated").status, 200);
  const auto metrics = test::get(port, "/metrics");
  EXPECT_NE(metrics.body.find(R"(cloudcafe_load_shed_total{service="barista",kind="route",name="/gated"} 1)"),
            std::string::npos)
      << metrics.body;
}

TEST_F(ServiceHost, ReportsWhatStillRunsWhenTheShutdownOverrunsItsDeadline) {
  const Definition definition = barista(journal_, gate_, /*stuck_task=*/true);
  auto host = start(definition, {}, 1s);
  ASSERT_TRUE(host);
  ::testing::internal::CaptureStderr();  // logging is not started here: lines go to stderr
  const auto began = std::chrono::steady_clock::now();
  auto stopped = host->shutdown();
  const auto took = std::chrono::steady_clock::now() - began;
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(stopped.error().detail.find("stop_background"), std::string::npos) << stopped.error().detail;
  EXPECT_NE(stopped.error().detail.find("barista-stuck"), std::string::npos) << stopped.error().detail;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
  EXPECT_NE(log.find("shutdown_timed_out"), std::string::npos) << log;
  EXPECT_NE(log.find("barista-stuck"), std::string::npos) << log;
  // The cancellable loop ended; the stuck task alone held the phase.
  EXPECT_TRUE(journal_.wait_for("background_cancelled"));
  gate_.open();  // lets the stuck task, and then the host, end
}

TEST_F(ServiceHost, HandsTheServiceOnlyTheBackendsItDeclared) {
  std::promise<std::string> cache_answer;
  std::promise<bool> client_knows_no_peers;
  const Definition definition = define<BaristaConfig>({
      .name = "barista",
      .description = "checks its context",
      .read_config = nullptr,
      .database = &BaristaConfig::store,
      .migrations = [] { return std::span<const sql::Migration>(kMigrations); },
      .cache = nullptr,
      .make = [&](ServiceContext& context, const BaristaConfig&) -> Result<std::unique_ptr<Service>> {
        try {
          (void)context.cache();
          cache_answer.set_value("a cache");
        } catch (const std::logic_error& e) {
          cache_answer.set_value(e.what());
        }
        client_knows_no_peers.set_value(context.service_client().group("inventory") == nullptr);
        EXPECT_EQ(context.service(), "barista");
        EXPECT_EQ(context.replica(), "barista-1");
        EXPECT_GE(context.io_threads(), 1u);
        return std::unique_ptr<Service>(std::make_unique<Barista>(context, journal_, gate_, false));
      },
  });
  auto host = start(definition);
  ASSERT_TRUE(host);
  EXPECT_NE(cache_answer.get_future().get().find("did not declare"), std::string::npos);
  EXPECT_TRUE(client_knows_no_peers.get_future().get()) << "no peers configured";
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "barista.db"));
  EXPECT_TRUE(host->shutdown());
}

}  // namespace
}  // namespace cafe::service
