#include "platform/bus/internal/nats_queue_admin.h"

#include "platform/bus/internal/nats_jetstream.h"
#include "platform/bus/internal/nats_message.h"
#include "platform/bus/internal/nats_names.h"

#include <algorithm>

namespace cafe::bus::internal {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::nanoseconds kDedupeWindow = 2min;

std::int64_t nanos(std::chrono::nanoseconds d) {
  return d.count();
}

std::int64_t clamp_to_int64(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, INT64_MAX));
}

// The stream's own byte limit, above ours (nats_bus.h says why).
std::int64_t byte_backstop(std::size_t max_bytes) {
  const std::size_t extra = std::max<std::size_t>(max_bytes / 4, 64u << 10);
  return clamp_to_int64(max_bytes > SIZE_MAX - extra ? SIZE_MAX : max_bytes + extra);
}

}  // namespace

Result<void> declare_queue(NatsLink& link, const std::string& queue, const QueueOptions& options,
                           std::chrono::milliseconds grace, Deadline deadline) {
  const std::string name = queue_stream(queue);
  const std::string subject = queue_subject(queue);
  const std::string description = describe({.visibility = options.visibility,
                                            .max_receives = options.max_receives,
                                            .max_bytes = options.max_bytes});
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig work;
  jsStreamConfig_Init(&work);
  work.Name = name.c_str();
  work.Description = description.c_str();
  work.Subjects = subjects;
  work.SubjectsLen = 1;
  work.Retention = js_WorkQueuePolicy;
  work.Discard = js_DiscardNew;
  work.Storage = js_FileStorage;
  work.MaxMsgs = clamp_to_int64(options.max_messages);
  work.MaxBytes = byte_backstop(options.max_bytes);
  work.Duplicates = nanos(kDedupeWindow);
  work.AllowDirect = true;  // peek: read by sequence without delivering
  if (auto r = put_stream(link, work, deadline); !r) return r;

  const std::string dead_name = dead_letter_stream(queue);
  const std::string dead_subject = dead_letter_subject(queue);
  const char* dead_subjects[] = {dead_subject.c_str()};
  const auto retention = std::chrono::duration_cast<std::chrono::nanoseconds>(options.dead_letter_retention);
  jsStreamConfig dead;
  jsStreamConfig_Init(&dead);
  dead.Name = dead_name.c_str();
  dead.Subjects = dead_subjects;
  dead.SubjectsLen = 1;
  dead.Retention = js_LimitsPolicy;
  // Bounded like the queue; when full the oldest dead letter goes first.
  dead.Discard = js_DiscardOld;
  dead.Storage = js_FileStorage;
  dead.MaxAge = nanos(retention);
  dead.MaxMsgs = clamp_to_int64(options.max_messages);
  dead.MaxBytes = clamp_to_int64(options.max_bytes);
  dead.Duplicates = nanos(std::min(kDedupeWindow, retention));
  if (auto r = put_stream(link, dead, deadline); !r) return r;

  jsConsumerConfig consumer;
  jsConsumerConfig_Init(&consumer);
  consumer.Durable = kQueueConsumer;
  consumer.AckPolicy = js_AckExplicit;
  consumer.AckWait = nanos(options.visibility + grace);
  consumer.MaxDeliver = -1;  // dead letters are ours
  consumer.MaxAckPending = clamp_to_int64(options.max_messages);
  return put_consumer(link, name, consumer, deadline);
}

Result<void> queue_exists(NatsLink& link, const std::string& queue, Deadline deadline) {
  auto info = stream_info(link, queue_stream(queue), deadline);
  if (!info) return info.error();
  return ok();
}

Result<std::size_t> purge_queue(NatsLink& link, LeaseBook& leases, const std::string& queue,
                                Deadline deadline) {
  const std::string work = queue_stream(queue);
  const std::string dead = dead_letter_stream(queue);
  auto work_info = stream_info(link, work, deadline);
  if (!work_info) return work_info.error();
  auto dead_info = stream_info(link, dead, deadline);
  if (!dead_info) return dead_info.error();
  if (auto r = purge_stream(link, work, deadline); !r) return r.error();
  if (auto r = purge_stream(link, dead, deadline); !r) return r.error();
  leases.forget_queue(queue);
  return static_cast<std::size_t>((*work_info)->State.Msgs + (*dead_info)->State.Msgs);
}

Result<std::vector<QueueStats>> queue_stats(NatsLink& link, Deadline deadline) {
  auto names = stream_names(link, kQueueStreamPrefix, deadline);
  if (!names) return names.error();
  std::vector<QueueStats> all;
  all.reserve(names->size());
  for (const auto& name : *names) {
    const std::string queue = name.substr(kQueueStreamPrefix.size());
    auto work = stream_info(link, name, deadline);
    if (!work && work.error().code == ErrorCode::kNotFound) continue;  // gone meanwhile
    if (!work) return work.error();
    auto consumer = consumer_info(link, name, kQueueConsumer, deadline);
    if (!consumer) return consumer.error();
    auto dead = stream_info(link, dead_letter_stream(queue), deadline);
    if (!dead) return dead.error();
    const auto& state = (*work)->State;
    const auto in_flight = std::min<std::uint64_t>(
        state.Msgs, static_cast<std::uint64_t>(std::max<std::int64_t>(0, (*consumer)->NumAckPending)));
    QueueStats s;
    s.name = queue;
    s.in_flight = static_cast<std::size_t>(in_flight);
    s.ready = static_cast<std::size_t>(state.Msgs - in_flight);
    s.dead = static_cast<std::size_t>((*dead)->State.Msgs);
    s.oldest_age_ms =
        state.Msgs == 0 ? 0 : std::max<std::int64_t>(0, unix_now_ms() - state.FirstTime / 1'000'000);
    all.push_back(std::move(s));
  }
  return all;
}

}  // namespace cafe::bus::internal
