// SQLite backend: one writer thread with group commit (internal/
// sqlite_writer.h) and a bounded pool of read-only connections, each used
// by one pool thread at a time.
#include "platform/core/blocking_pool.h"
#include "platform/core/completion.h"
#include "platform/sql/database.h"
#include "platform/sql/internal/connection_slots.h"
#include "platform/sql/internal/migrations.h"
#include "platform/sql/internal/sqlite_connection.h"
#include "platform/sql/internal/sqlite_writer.h"
#include "platform/sql/internal/store_error.h"

#include <atomic>
#include <mutex>

namespace cafe::sql {
namespace {

using internal::SqliteConnection;

// Applies one migration unless another process got there first: the
// version is checked again under the write lock BEGIN IMMEDIATE takes.
Result<void> apply_migration(SqliteConnection& conn, const Migration& m) {
  const auto deadline = Deadline::after(internal::kMigrationBudget);
  if (auto begun = conn.exec_script("BEGIN IMMEDIATE", deadline); !begun) return begun.error();
  Result<void> outcome = internal::apply_locked(conn, m, deadline);
  if (!outcome && conn.in_transaction()) (void)conn.exec_script("ROLLBACK", deadline);
  return outcome;
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(SqliteOptions options, std::unique_ptr<internal::SqliteWriter> writer,
                 std::vector<std::unique_ptr<SqliteConnection>> readers)
      : options_(std::move(options)),
        writer_(std::move(writer)),
        reader_pool_(BlockingPool::Options{.name = "sqlite-reader",
                                           .threads = options_.reader_threads,
                                           .queue_limit = options_.queue_limit}),
        readers_(std::move(readers)) {}

  ~SqliteDatabase() override { close(); }

  std::chrono::milliseconds default_timeout() const noexcept override { return options_.default_deadline; }

  Result<void> migrate(std::span<const Migration> migrations) override {
    if (closed_) return Error::unavailable(std::string(internal::generic_detail(ErrorCode::kUnavailable)));
    if (auto valid = internal::validate_migrations(migrations); !valid) return valid;
    // A connection of its own: migrate() blocks its caller, never the writer.
    auto conn =
        SqliteConnection::open(options_.path, SqliteConnection::Mode::kReadWrite, busy_policy(options_));
    if (!conn) return conn.error();
    if (auto r = (*conn)->exec_script(internal::kCreateMigrationsTable,
                                      Deadline::after(internal::kMigrationBudget));
        !r) {
      return r;
    }
    for (const Migration& m : migrations) {
      if (auto r = apply_migration(**conn, m); !r) return r;
    }
    return ok();
  }

  std::string_view backend() const noexcept override { return "sqlite"; }

  void close() override {
    std::lock_guard lock(close_mutex_);
    closed_ = true;
    writer_->close();
    reader_pool_.stop();
    readers_.clear();
  }

  static internal::SqliteBusyPolicy busy_policy(const SqliteOptions& o) {
    return {.wait = o.busy_wait, .timeout = o.busy_timeout};
  }

 protected:
  boost::asio::awaitable<Result<Rows>> run_query(std::string sql, std::vector<Value> params,
                                                 Deadline deadline) override {
    auto work = [this, sql = std::move(sql), params = std::move(params), deadline]() -> Result<Rows> {
      auto lease = readers_.acquire();
      return lease.conn()->execute(sql, params, deadline);
    };
    auto op = run_blocking(reader_pool_, std::move(work), deadline, internal::deadline_error());
    co_return co_await std::move(op);
  }

  boost::asio::awaitable<Result<void>> run_transaction(TransactionBody body, Deadline deadline) override {
    auto submit = [this, body = std::move(body), deadline](CompletionPtr<Result<void>> done) mutable {
      writer_->submit(std::move(body), deadline, std::move(done));
    };
    auto op = submit_and_wait_until<Result<void>>(std::move(submit), deadline, internal::deadline_error());
    co_return co_await std::move(op);
  }

 private:
  const SqliteOptions options_;
  std::unique_ptr<internal::SqliteWriter> writer_;
  BlockingPool reader_pool_;
  internal::ConnectionSlots<SqliteConnection> readers_;
  std::mutex close_mutex_;
  std::atomic<bool> closed_{false};
};

Result<void> validate(const SqliteOptions& o) {
  // Readers need to see the writer's commits, which only a shared file gives.
  if (o.path.empty() || o.path == ":memory:" || o.path.starts_with("file::memory:") ||
      o.path.find("mode=memory") != std::string::npos) {
    return Error::invalid(
        "sqlite needs a file path (in-memory databases are not shared between connections)");
  }
  if (o.reader_threads < 1) return Error::invalid("sqlite reader_threads must be at least 1");
  if (o.queue_limit < 1 || o.max_group < 1)
    return Error::invalid("sqlite queue_limit and max_group must be >= 1");
  if (o.busy_wait >= std::chrono::milliseconds(1))
    return Error::invalid("sqlite busy_wait must be under 1 ms");
  if (o.default_deadline <= std::chrono::milliseconds(0))
    return Error::invalid("sqlite default_deadline must be positive");
  return ok();
}

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const SqliteOptions& options) {
  if (auto valid = validate(options); !valid) return valid.error();
  const auto busy = SqliteDatabase::busy_policy(options);
  // The writer opens first: it creates the file and switches it to WAL,
  // which read-only connections cannot do.
  auto writer_conn = SqliteConnection::open(options.path, SqliteConnection::Mode::kReadWrite, busy);
  if (!writer_conn) return writer_conn.error();
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int i = 0; i < options.reader_threads; ++i) {
    auto reader = SqliteConnection::open(options.path, SqliteConnection::Mode::kReadOnly, busy);
    if (!reader) return reader.error();
    readers.push_back(std::move(*reader));
  }
  auto writer = std::make_unique<internal::SqliteWriter>(
      std::move(*writer_conn), internal::SqliteWriter::Options{.queue_limit = options.queue_limit,
                                                               .max_group = options.max_group,
                                                               .group_commit = options.group_commit,
                                                               .busy_timeout = options.busy_timeout,
                                                               .busy_wait = options.busy_wait});
  std::unique_ptr<Database> db =
      std::make_unique<SqliteDatabase>(options, std::move(writer), std::move(readers));
  if (options.breaker.failures_to_open == 0) return db;
  return with_store_breaker(std::move(db), options.breaker);
}

}  // namespace cafe::sql
