// A second replica for SqliteDatabase.TwoProcessesCommittingToOneFileLoseNothing:
// opens an already migrated SQLite file and commits `count` transactions,
// `concurrency` at a time, each bumping the shared counter and inserting
// its own item. Exit 0 when every commit succeeded; prints what failed.
//   sqlite_writer_process PATH FIRST_ID COUNT CONCURRENCY
#include "platform/sql/database.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace {

namespace asio = boost::asio;
using namespace cafe;

struct Tally {
  int committed = 0;
  std::map<std::string, int> failures;  // error code -> count
};

asio::awaitable<void> writer(sql::Database* db, std::int64_t first, int step, int count, Tally* tally) {
  for (std::int64_t id = first; id < first + count; id += step) {
    sql::TransactionBody body = [id](sql::Transaction& t) -> Result<void> {
      if (auto bumped = t.execute("UPDATE counters SET n = n + 1 WHERE name = 'orders'"); !bumped) {
        return bumped.error();
      }
      const std::vector<sql::Value> row{id, "order " + std::to_string(id)};
      if (auto in = t.execute("INSERT INTO items (id, name) VALUES (?, ?)", row); !in) return in.error();
      return {};
    };
    auto op = db->transact(std::move(body));
    const Result<void> done = co_await std::move(op);
    if (done) {
      ++tally->committed;
    } else {
      ++tally->failures[to_string(done.error().code)];
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s PATH FIRST_ID COUNT CONCURRENCY\n", argv[0]);
    return 2;
  }
  const std::int64_t first = std::atoll(argv[2]);
  const int count = std::atoi(argv[3]);
  const int concurrency = std::atoi(argv[4]);
  auto db = sql::open_sqlite({.path = argv[1], .breaker = {.failures_to_open = 0}});
  if (!db) {
    std::fprintf(stderr, "open: %s\n", db.error().detail.c_str());
    return 2;
  }
  Tally tally;
  asio::io_context ctx;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < concurrency; ++i) {
    asio::co_spawn(ctx, writer(db->get(), first + i, concurrency, count - i, &tally), asio::detached);
  }
  ctx.run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("committed %d in %.3f s (%.0f/s)\n", tally.committed, seconds, tally.committed / seconds);
  for (const auto& [code, n] : tally.failures) std::printf("failed %d with %s\n", n, code.c_str());
  return tally.committed == count && tally.failures.empty() ? 0 : 1;
}
