// Start-up: the bus's log read back into the engine's memory indexes.
#include "services/bus/engine/log_engine.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>

namespace cafe::bus::engine {

namespace asio = boost::asio;
using std::chrono::milliseconds;

Result<void> LogEngine::load() {
  asio::io_context ctx;
  auto loaded = asio::co_spawn(
      ctx,
      [this]() -> asio::awaitable<Result<void>> {
        const Deadline deadline = Deadline::after(std::chrono::seconds(60));
        auto queues = co_await db_.query(
            "SELECT name, visibility_ms, max_receives, max_messages, max_bytes, dead_retention_ms FROM "
            "bus_queues",
            {}, deadline);
        if (!queues) co_return queues.error();
        for (const auto& row : queues->rows) {
          sql::RowReader r(row);
          std::string name = r.text();
          QueueOptions o;
          o.visibility = milliseconds(r.integer());
          o.max_receives = static_cast<std::uint32_t>(r.integer());
          o.max_messages = static_cast<std::size_t>(r.integer());
          o.max_bytes = static_cast<std::size_t>(r.integer());
          o.dead_letter_retention = std::chrono::duration_cast<std::chrono::hours>(milliseconds(r.integer()));
          if (auto s = r.status(); !s) co_return s.error();
          queues_.emplace(std::move(name), std::make_unique<Queue>(o));
        }
        auto messages = co_await db_.query(
            "SELECT seq, queue, message_id, body, sent_at_ms, visible_at_ms, receive_count, dead FROM "
            "bus_messages "
            "ORDER BY seq",
            {}, deadline);
        if (!messages) co_return messages.error();
        for (const auto& row : messages->rows) {
          sql::RowReader r(row);
          StoredMessage m;
          m.seq = r.integer();
          std::string queue = r.text();
          m.id = r.text();
          m.body = r.text();
          m.sent_at_ms = r.integer();
          m.visible_at_ms = r.integer();
          m.receive_count = static_cast<std::uint32_t>(r.integer());
          m.dead = r.boolean();
          if (auto s = r.status(); !s) co_return s.error();
          next_seq_ = std::max(next_seq_, m.seq + 1);
          if (auto it = queues_.find(queue); it != queues_.end()) it->second->state.restore(std::move(m));
        }
        auto streams =
            co_await db_.query("SELECT name, max_age_ms, max_bytes FROM bus_streams", {}, deadline);
        if (!streams) co_return streams.error();
        for (const auto& row : streams->rows) {
          sql::RowReader r(row);
          std::string name = r.text();
          StreamOptions o;
          o.max_age = milliseconds(r.integer());
          o.max_bytes = static_cast<std::size_t>(r.integer());
          if (auto s = r.status(); !s) co_return s.error();
          streams_.emplace(std::move(name), std::make_unique<Stream>(o));
        }
        auto records = co_await db_.query(
            "SELECT stream, record_offset, partition_key, record_id, body, appended_at_ms FROM bus_records "
            "ORDER BY stream, record_offset",
            {}, deadline);
        if (!records) co_return records.error();
        for (const auto& row : records->rows) {
          sql::RowReader r(row);
          std::string stream = r.text();
          StreamRecord rec;
          rec.offset = static_cast<std::uint64_t>(r.integer());
          rec.partition_key = r.text();
          rec.id = r.text();
          rec.body = r.text();
          rec.appended_at_ms = r.integer();
          if (auto s = r.status(); !s) co_return s.error();
          if (auto it = streams_.find(stream); it != streams_.end())
            it->second->state.restore(std::move(rec));
        }
        auto groups =
            co_await db_.query("SELECT stream, group_name, committed_offset FROM bus_groups", {}, deadline);
        if (!groups) co_return groups.error();
        for (const auto& row : groups->rows) {
          sql::RowReader r(row);
          std::string stream = r.text();
          std::string group = r.text();
          const auto offset = static_cast<std::uint64_t>(r.integer());
          if (auto s = r.status(); !s) co_return s.error();
          if (auto it = streams_.find(stream); it != streams_.end())
            it->second->state.restore_group(std::move(group), offset);
        }
        co_return Result<void>{};
      },
      asio::use_future);
  ctx.run();
  return loaded.get();
}

}  // namespace cafe::bus::engine
