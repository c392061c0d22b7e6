#include "platform/bus/internal/nats_receiver.h"

#include "platform/bus/internal/nats_jetstream.h"
#include "platform/telemetry/log.h"

#include <algorithm>

namespace cafe::bus::internal {
namespace {

using Clock = Deadline::Clock;
using namespace std::chrono_literals;

constexpr auto kSettingsFreshFor = 1s;
// A long poll ends this much before the caller's deadline, so the answer
// reaches the caller in time.
constexpr auto kAnswerMargin = 20ms;
// A message that could not be moved to the dead-letter stream comes back
// after this, for another try.
constexpr auto kDeadLetterRetry = 1s;

}  // namespace

struct QueueReceiver::Batch {
  const Settings& settings;
  std::chrono::milliseconds visibility;
  std::size_t room;
  Clock::time_point asked_at;  // when the pull that delivered them was sent
  std::vector<QueueMessage> out;
};

QueueReceiver::QueueReceiver(NatsLink& link, LeaseBook& leases, std::string queue,
                             const NatsBusOptions& options)
    : link_(link),
      leases_(leases),
      queue_(std::move(queue)),
      stream_(queue_stream(queue_)),
      pool_({.name = "nats-recv",
             .threads = options.receive_threads_per_queue,
             .queue_limit = options.receive_queue_limit}) {}

QueueReceiver::~QueueReceiver() {
  stop();
}

void QueueReceiver::stop() {
  pool_.stop();
  std::lock_guard lock(mutex_);
  pullers_.clear();
}

Result<QueueReceiver::Settings> QueueReceiver::settings(Deadline deadline) {
  {
    std::lock_guard lock(mutex_);
    if (settings_ && Clock::now() - settings_->read_at < kSettingsFreshFor) return *settings_;
  }
  auto stream = stream_info(link_, stream_, deadline);
  if (!stream) return stream.error();
  auto consumer = consumer_info(link_, stream_, kQueueConsumer, deadline);
  if (!consumer) return consumer.error();
  const char* description = (*stream)->Config->Description;
  auto parsed = parse_queue_settings(description != nullptr ? description : "");
  if (!parsed) return Error::not_found("stream " + stream_ + " is not a queue of this bus");
  Settings s{.queue = *parsed,
             .ack_wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::nanoseconds((*consumer)->Config->AckWait)),
             .read_at = Clock::now()};
  std::lock_guard lock(mutex_);
  settings_ = s;
  return s;
}

std::unique_ptr<Puller> QueueReceiver::borrow_puller(Result<void>& failure) {
  {
    std::lock_guard lock(mutex_);
    if (!pullers_.empty()) {
      auto p = std::move(pullers_.back());
      pullers_.pop_back();
      return p;
    }
  }
  auto opened = Puller::open(link_);
  if (!opened) {
    failure = opened.error();
    return nullptr;
  }
  return std::move(*opened);
}

void QueueReceiver::give_back(std::unique_ptr<Puller> puller) {
  std::lock_guard lock(mutex_);
  pullers_.push_back(std::move(puller));
}

Result<std::vector<QueueMessage>> QueueReceiver::receive(const ReceiveOptions& options, Deadline deadline) {
  auto settings = this->settings(deadline);
  if (!settings) return settings.error();
  Result<void> failure = ok();
  std::unique_ptr<Puller> puller = borrow_puller(failure);
  if (!puller) return failure.error();

  const std::size_t room = leases_.reserve(options.max_messages);
  if (room == 0) {
    give_back(std::move(puller));
    return Error::make(ErrorCode::kResourceExhausted, "this bus holds as many deliveries as it may");
  }
  Batch batch{.settings = *settings,
              .visibility = options.visibility.value_or(settings->queue.visibility),
              .room = room,
              .asked_at = Clock::now(),
              .out = {}};
  // Gives back the room the batch did not use (`kept` deliveries are held).
  auto finish = [&](Result<std::vector<QueueMessage>> result, std::size_t kept) {
    leases_.release(batch.room - std::min(batch.room, kept));
    give_back(std::move(puller));
    return result;
  };

  auto ready = puller->take_ready(stream_, kQueueConsumer, static_cast<int>(room), deadline);
  if (!ready) return finish(ready.error(), batch.out.size());
  handle(*ready, batch, deadline);

  const Deadline poll_deadline(deadline.at() - kAnswerMargin);
  const auto wait_until = std::min(Clock::now() + options.wait, poll_deadline.at());
  while (batch.out.empty() && Clock::now() < wait_until) {
    batch.asked_at = Clock::now();
    auto first = puller->wait_for_one(stream_, kQueueConsumer, wait_until, poll_deadline);
    if (!first) return finish(first.error(), batch.out.size());
    if (first->empty()) break;
    handle(*first, batch, deadline);
    if (batch.out.empty() || batch.out.size() >= room) continue;
    batch.asked_at = Clock::now();
    auto rest =
        puller->take_ready(stream_, kQueueConsumer, static_cast<int>(room - batch.out.size()), deadline);
    if (rest) handle(*rest, batch, deadline);
  }
  const std::size_t kept = batch.out.size();
  return finish(std::move(batch.out), kept);
}

void QueueReceiver::handle(std::vector<MsgPtr>& messages, Batch& batch, Deadline deadline) {
  for (auto& message : messages) {
    auto delivery = read_delivery(message.get());
    if (!delivery) continue;
    Delivery& d = *delivery;
    // A delayed send: its first delivery is always taken back (so the
    // count below knows it), and so is any delivery before its time.
    const std::uint64_t taken_back = d.not_before_ms ? 1 : 0;
    if (d.not_before_ms) {
      const std::int64_t early_by = *d.not_before_ms - unix_now_ms();
      if (d.delivered == 1 || early_by > 0) {
        link_.tell(d.ack_subject,
                   nak_with_delay(std::chrono::milliseconds(std::max<std::int64_t>(0, early_by))));
        continue;
      }
    }
    const auto receives = static_cast<std::uint32_t>(d.delivered > taken_back ? d.delivered - taken_back : 1);
    if (receives > batch.settings.queue.max_receives) {
      dead_letter(d, receives - 1, deadline);
      continue;
    }
    if (batch.out.size() >= batch.room) {  // cannot happen: pulls ask for what is left
      link_.tell(d.ack_subject, kNak);
      continue;
    }
    const auto now = Clock::now();
    std::string receipt = leases_.hold({.queue = queue_,
                                        .ack_subject = d.ack_subject,
                                        .visible_at = now + batch.visibility,
                                        .server_expiry = batch.asked_at + batch.settings.ack_wait,
                                        .ack_wait = batch.settings.ack_wait});
    batch.out.push_back(QueueMessage{.id = std::move(d.id),
                                     .receipt = std::move(receipt),
                                     .body = std::move(d.body),
                                     .receive_count = receives,
                                     .sent_at_ms = d.sent_at_ms.value_or(d.stored_at_ms)});
  }
}

void QueueReceiver::dead_letter(const Delivery& d, std::uint32_t receives, Deadline deadline) {
  Outgoing letter{.subject = dead_letter_subject(queue_),
                  .body = d.body,
                  // The queue sequence makes the move of this copy, and
                  // only this one, idempotent.
                  .msg_id = d.id + "@" + std::to_string(d.sequence),
                  .headers = {{kIdHeader, d.id},
                              {kSentAtHeader, std::to_string(d.sent_at_ms.value_or(d.stored_at_ms))},
                              {kReceivesHeader, std::to_string(receives)}}};
  if (auto stored = publish(link_, letter, deadline); !stored) {
    telemetry::log(telemetry::Level::kWarn, "bus_dead_letter_failed",
                   {{"backend", "nats"}, {"queue", queue_}, {"id", d.id}, {"error", stored.error().detail}});
    link_.tell(d.ack_subject, nak_with_delay(kDeadLetterRetry));
    return;
  }
  // Not confirmed: JetStream delivers it again after the ack wait, and the
  // next move is absorbed by the dead-letter stream's dedupe window.
  (void)link_.acknowledge({{d.ack_subject, std::string(kAck)}}, deadline);
  telemetry::log(telemetry::Level::kInfo, "bus_dead_lettered",
                 {{"backend", "nats"}, {"queue", queue_}, {"id", d.id}, {"receives", receives}});
}

}  // namespace cafe::bus::internal
