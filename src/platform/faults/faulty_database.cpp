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

  asio::awaitable<Result<sql::Rows>> query(std::string sql, std::vector<sql::Value> params) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget)) co_return std::move(*injected);
    co_return co_await inner_->query(std::move(sql), std::move(params));
  }

  asio::awaitable<Result<void>> transact(sql::TransactionBody body) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget)) co_return std::move(*injected);
    co_return co_await inner_->transact(std::move(body));
  }

  Result<void> migrate(std::span<const sql::Migration> migrations) override {
    return inner_->migrate(migrations);
  }
  std::string_view backend() const noexcept override { return inner_->backend(); }
  void close() override { inner_->close(); }

 private:
  std::unique_ptr<sql::Database> inner_;
  Registry& registry_;
};

}  // namespace

std::unique_ptr<sql::Database> with_faults(std::unique_ptr<sql::Database> inner, Registry& registry) {
  return std::make_unique<FaultyDatabase>(std::move(inner), registry);
}

}  // namespace cafe::faults
