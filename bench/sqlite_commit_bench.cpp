// Durable commits per second on a SQLite file, group commit on vs off.
//
// N coroutine callers (one io_context thread) each loop on a single-row
// INSERT transaction for a fixed time; every commit is durable
// (synchronous=FULL in WAL mode). With group commit the writer thread
// commits every waiting transaction with one fsync; without it each
// transaction pays its own.
//
//   sqlite_commit_bench [--callers N] [--seconds S] [--runs R] [--dir PATH]
//
// The file goes in a temp dir under --dir (default: the system temp dir);
// point --dir at the disk you want to measure (/tmp may be tmpfs).
#include "platform/sql/database.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct Config {
  int callers = 64;
  double seconds = 3.0;
  int runs = 3;
  std::string dir = std::filesystem::temp_directory_path().string();
};

struct RunResult {
  double commits_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::size_t failures = 0;
};

struct Shared {
  cafe::sql::Database* db;
  Clock::time_point stop_at;
  std::vector<double> latencies_ms;  // touched only on the io_context thread
  std::size_t failures = 0;
  std::int64_t next_id = 0;
};

asio::awaitable<void> caller(Shared* shared) {
  while (Clock::now() < shared->stop_at) {
    const std::int64_t id = shared->next_id++;
    cafe::sql::TransactionBody body = [id](cafe::sql::Transaction& t) -> cafe::Result<void> {
      const std::vector<cafe::sql::Value> params{id, std::string("order payload")};
      auto r = t.execute("INSERT INTO orders (id, payload) VALUES (?, ?)", params);
      if (!r) return r.error();
      return cafe::ok();
    };
    const auto start = Clock::now();
    auto op = shared->db->transact(std::move(body));
    auto result = co_await std::move(op);
    if (!result) {
      ++shared->failures;
      continue;
    }
    shared->latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

RunResult run_once(const Config& config, bool group_commit) {
  std::string dir = (std::filesystem::path(config.dir) / "cafe-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  RunResult out;
  {
    auto db = cafe::sql::open_sqlite({.path = dir + "/bench.sqlite", .group_commit = group_commit});
    if (!db) {
      std::fprintf(stderr, "open: %s\n", db.error().detail.c_str());
      std::exit(1);
    }
    const cafe::sql::Migration schema{1, "orders",
                                      "CREATE TABLE orders (id INTEGER PRIMARY KEY, payload TEXT)"};
    if (auto m = (*db)->migrate(std::span(&schema, 1)); !m) {
      std::fprintf(stderr, "migrate: %s\n", m.error().detail.c_str());
      std::exit(1);
    }
    Shared shared{.db = db->get(), .stop_at = {}, .latencies_ms = {}};
    asio::io_context ctx;
    const auto started = Clock::now();
    shared.stop_at =
        started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.seconds));
    for (int i = 0; i < config.callers; ++i) asio::co_spawn(ctx, caller(&shared), asio::detached);
    ctx.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    out.commits_per_second = static_cast<double>(shared.latencies_ms.size()) / elapsed;
    out.p50_ms = percentile(shared.latencies_ms, 0.50);
    out.p99_ms = percentile(shared.latencies_ms, 0.99);
    out.failures = shared.failures;
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--callers")
      config.callers = std::atoi(argv[i + 1]);
    else if (flag == "--seconds")
      config.seconds = std::atof(argv[i + 1]);
    else if (flag == "--runs")
      config.runs = std::atoi(argv[i + 1]);
    else if (flag == "--dir")
      config.dir = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  std::printf("sqlite durable commits: %d callers, %.1f s per run, dir %s\n", config.callers, config.seconds,
              config.dir.c_str());
  std::printf("%-5s %-14s %12s %10s %10s %9s\n", "run", "mode", "commits/s", "p50 ms", "p99 ms", "failures");
  for (int run = 1; run <= config.runs; ++run) {
    for (const bool group : {true, false}) {
      const RunResult r = run_once(config, group);
      std::printf("%-5d %-14s %12.0f %10.2f %10.2f %9zu\n", run, group ? "group commit" : "one per commit",
                  r.commits_per_second, r.p50_ms, r.p99_ms, r.failures);
      std::fflush(stdout);
    }
  }
  return 0;
}
