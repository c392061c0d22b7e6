#include "platform/faults/faulty_bus.h"

#include "platform/faults/inject.h"

namespace cafe::faults {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr const char* kTarget = "dependency:bus";

class FaultyBus final : public bus::Bus {
 public:
  FaultyBus(std::unique_ptr<bus::Bus> inner, Registry& registry)
      : inner_(std::move(inner)), registry_(registry) {}

  asio::awaitable<Result<void>> declare_queue(std::string queue, bus::QueueOptions options,
                                              Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->declare_queue(std::move(queue), options, d);
  }
  asio::awaitable<Result<void>> declare_stream(std::string stream, bus::StreamOptions options,
                                               Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->declare_stream(std::move(stream), options, d);
  }
  asio::awaitable<Result<void>> send(std::string queue, std::vector<bus::OutgoingMessage> m,
                                     Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->send(std::move(queue), std::move(m), d);
  }
  asio::awaitable<Result<std::vector<bus::QueueMessage>>> receive(std::string queue, bus::ReceiveOptions o,
                                                                  Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->receive(std::move(queue), o, d);
  }
  asio::awaitable<Result<void>> ack(std::string queue, std::vector<std::string> r, Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->ack(std::move(queue), std::move(r), d);
  }
  asio::awaitable<Result<void>> nack(std::string queue, std::vector<std::string> r, milliseconds delay,
                                     Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->nack(std::move(queue), std::move(r), delay, d);
  }
  asio::awaitable<Result<void>> extend(std::string queue, std::vector<std::string> r, milliseconds visibility,
                                       Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->extend(std::move(queue), std::move(r), visibility, d);
  }
  asio::awaitable<Result<std::vector<bus::QueueMessage>>> peek(std::string queue, std::size_t limit,
                                                               Deadline d) override {
    // An operator's look, like the stats below: never faulted.
    co_return co_await inner_->peek(std::move(queue), limit, d);
  }
  asio::awaitable<Result<std::vector<bus::QueueMessage>>> dead_letters(std::string queue, std::size_t limit,
                                                                       Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->dead_letters(std::move(queue), limit, d);
  }
  asio::awaitable<Result<std::size_t>> redrive(std::string queue, std::size_t limit, Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->redrive(std::move(queue), limit, d);
  }
  asio::awaitable<Result<std::size_t>> purge(std::string queue, Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->purge(std::move(queue), d);
  }
  asio::awaitable<Result<std::vector<std::uint64_t>>> append(std::string stream,
                                                             std::vector<bus::StreamEntry> entries,
                                                             Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->append(std::move(stream), std::move(entries), d);
  }
  asio::awaitable<Result<std::vector<bus::StreamRecord>>> read(std::string stream, bus::StreamPosition from,
                                                               bus::ReadOptions o, Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->read(std::move(stream), std::move(from), o, d);
  }
  asio::awaitable<Result<void>> commit(std::string stream, std::string group, std::uint64_t offset,
                                       Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->commit(std::move(stream), std::move(group), offset, d);
  }
  asio::awaitable<Result<std::optional<std::uint64_t>>> committed(std::string stream, std::string group,
                                                                  Deadline d) override {
    if (auto e = co_await inject_if_live(registry_, kTarget, d)) co_return std::move(*e);
    co_return co_await inner_->committed(std::move(stream), std::move(group), d);
  }
  // Operators read depths while the bus is being broken: no faults here.
  asio::awaitable<Result<std::vector<bus::QueueStats>>> queue_stats(Deadline d) override {
    co_return co_await inner_->queue_stats(d);
  }
  asio::awaitable<Result<std::vector<bus::StreamStats>>> stream_stats(Deadline d) override {
    co_return co_await inner_->stream_stats(d);
  }
  std::string_view backend() const noexcept override { return inner_->backend(); }
  void close() override { inner_->close(); }

 private:
  std::unique_ptr<bus::Bus> inner_;
  Registry& registry_;
};

}  // namespace

std::unique_ptr<bus::Bus> with_faults(std::unique_ptr<bus::Bus> inner, Registry& registry) {
  return std::make_unique<FaultyBus>(std::move(inner), registry);
}

}  // namespace cafe::faults
