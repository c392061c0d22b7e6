#include "platform/faults/faulty_cache.h"

#include "platform/faults/inject.h"

namespace cafe::faults {
namespace {

namespace asio = boost::asio;

constexpr const char* kTarget = "dependency:cache";

class FaultyCache final : public cache::Cache {
 public:
  FaultyCache(std::unique_ptr<cache::Cache> inner, Registry& registry)
      : inner_(std::move(inner)), registry_(registry) {}

  asio::awaitable<Result<std::optional<std::string>>> get(std::string key) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget)) co_return std::move(*injected);
    co_return co_await inner_->get(std::move(key));
  }
  asio::awaitable<Result<void>> set(std::string key, std::string value,
                                    std::chrono::milliseconds ttl) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget)) co_return std::move(*injected);
    co_return co_await inner_->set(std::move(key), std::move(value), ttl);
  }
  asio::awaitable<Result<void>> erase(std::string key) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget)) co_return std::move(*injected);
    co_return co_await inner_->erase(std::move(key));
  }
  asio::awaitable<Result<void>> erase_prefix(std::string prefix) override {
    if (auto injected = co_await inject_if_live(registry_, kTarget)) co_return std::move(*injected);
    co_return co_await inner_->erase_prefix(std::move(prefix));
  }
  std::string_view backend() const noexcept override { return inner_->backend(); }
  void close() override { inner_->close(); }

 private:
  std::unique_ptr<cache::Cache> inner_;
  Registry& registry_;
};

}  // namespace

std::unique_ptr<cache::Cache> with_faults(std::unique_ptr<cache::Cache> inner, Registry& registry) {
  return std::make_unique<FaultyCache>(std::move(inner), registry);
}

}  // namespace cafe::faults
