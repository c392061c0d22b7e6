#include "platform/bus/outbox.h"

#include "platform/bus/bus.h"
#include "platform/bus/internal/wall_clock.h"
#include "platform/bus/validate.h"

#include <vector>

namespace cafe::bus {

const char* to_string(Destination::Kind kind) noexcept {
  return kind == Destination::Kind::kQueue ? "queue" : "stream";
}

Result<void> Outbox::add(sql::Transaction& tx, const Event& event, const Destination& to) const {
  if (!valid_name(to.name))
    return Error::invalid("outbox destination '" + to.name + "' is not a valid bus name");
  if (to.delay.count() != 0 && to.kind == Destination::Kind::kStream)
    return Error::invalid("outbox destination '" + to.name +
                          "' is a stream; only queue messages take a delay");
  if (to.delay.count() < 0 || to.delay > kMaxDelay)
    return Error::invalid("outbox delay must be between 0 and " + std::to_string(kMaxDelay.count()) + " ms");
  auto body = to_valid_json(event);
  if (!body) return body.error();
  const std::vector<sql::Value> params{
      event.event_id,      event.type,       std::string(to_string(to.kind)), to.name,
      event.partition_key, std::move(*body), std::int64_t{to.delay.count()},  internal::wall_now_ms(clock_)};
  auto r = tx.execute(
      "INSERT INTO outbox_events (event_id, event_type, destination_kind, destination, partition_key, body, "
      "delay_ms, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      params);
  if (!r) return r.error();
  return ok();
}

}  // namespace cafe::bus
