#include "platform/faults/faulty_database.h"

#include "platform/faults/inject.h"

namespace cafe::faults {
namespace {

namespace asio = boost::asio;

constexpr const char* kTarget = "dependency:store";

class FaultyDatabase final : public sql::Database {
 public:
  FaultyDatabase(std::unique_ptr<sql::Database> inner, Registry& registry)
      : inner_(std::move(inner)), registry_(registry) {}

  std::chrono::milliseconds default_timeout() const noexcept override { return inner_->default_timeout(); }

  Result<void> migrate(std::span<const sql::Migration> migrations) override {
    return inner_->migrate(migrations);
  }
  std::string_view backend() const noexcept override { return inner_->backend(); }
  void close() override { inner_->close(); }

 protected:
  asio::awaitable<Result<sql::Rows>> run_query(std::string sql, std::vector<sql::Value> params,
                                               Deadline deadline) override {
    // Injected latency spends the caller's budget as a slow store would.
    if (auto injected = co_await inject_if_live(registry_, kTarget, deadline)) co_return std::move(*injected);
    if (deadline.expired()) co_return late();
    auto op = inner_->query(std::move(sql), std::move(params), deadline);
    co_return co_await std::move(op);
  }

  asio::awaitable<Result<void>> run_transaction(sql::TransactionBody body, Deadline deadline) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget, deadline)) co_return std::move(*injected);
    if (deadline.expired()) co_return late();
    auto op = inner_->transact(std::move(body), deadline);
    co_return co_await std::move(op);
  }

 private:
  static Error late() {
    return Error::make(ErrorCode::kDeadlineExceeded, "the store did not answer in time");
  }

  std::unique_ptr<sql::Database> inner_;
  Registry& registry_;
};

}  // namespace

std::unique_ptr<sql::Database> with_faults(std::unique_ptr<sql::Database> inner, Registry& registry) {
  return std::make_unique<FaultyDatabase>(std::move(inner), registry);
}

}  // namespace cafe::faults
