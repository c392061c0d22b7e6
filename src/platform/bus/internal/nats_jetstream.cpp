#include "platform/bus/internal/nats_jetstream.h"

#include "platform/bus/internal/nats_pull.h"

#include <algorithm>

namespace cafe::bus::internal {
namespace {

using Clock = Deadline::Clock;
using namespace std::chrono_literals;

// A read's consumer is deleted when the read ends; this is how long the
// server keeps one whose reader died first.
constexpr auto kReadConsumerIdle = std::chrono::nanoseconds(10s).count();

// The long poll of a read ends this much before the caller's deadline, so
// that the answer (and the consumer's deletion) fit in it.
constexpr auto kAnswerMargin = 20ms;

std::vector<Delivery> read_all(std::vector<MsgPtr>& messages) {
  std::vector<Delivery> out;
  out.reserve(messages.size());
  for (auto& m : messages) {
    if (auto d = read_delivery(m.get())) out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace

Result<StreamInfoPtr> stream_info(NatsLink& link, const std::string& stream, Deadline deadline,
                                  const char* subjects_filter) {
  jsOptions o = api_options(deadline);
  o.Stream.Info.SubjectsFilter = subjects_filter;
  jsStreamInfo* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  const natsStatus s = js_GetStreamInfo(&raw, link.jetstream(), stream.c_str(), &o, &code);
  StreamInfoPtr info(raw);
  if (s == NATS_NOT_FOUND) return Error::not_found("no stream " + stream + " (not declared)");
  if (s != NATS_OK) return nats_error(s, code, "stream info of " + stream, deadline);
  return info;
}

Result<ConsumerInfoPtr> consumer_info(NatsLink& link, const std::string& stream, const std::string& consumer,
                                      Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsConsumerInfo* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  const natsStatus s =
      js_GetConsumerInfo(&raw, link.jetstream(), stream.c_str(), consumer.c_str(), &o, &code);
  ConsumerInfoPtr info(raw);
  if (s == NATS_NOT_FOUND) return Error::not_found("no consumer " + consumer + " on " + stream);
  if (s != NATS_OK) return nats_error(s, code, "consumer info of " + stream, deadline);
  return info;
}

Result<void> put_stream(NatsLink& link, jsStreamConfig& config, Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsStreamInfo* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  natsStatus s = js_AddStream(&raw, link.jetstream(), &config, &o, &code);
  jsStreamInfo_Destroy(raw);
  if (s == NATS_OK) return ok();
  if (code != JSStreamNameExistErr)
    return nats_error(s, code, std::string("create stream ") + config.Name, deadline);
  raw = nullptr;
  o = api_options(deadline);
  s = js_UpdateStream(&raw, link.jetstream(), &config, &o, &code);
  jsStreamInfo_Destroy(raw);
  if (s != NATS_OK) return nats_error(s, code, std::string("update stream ") + config.Name, deadline);
  return ok();
}

Result<void> put_consumer(NatsLink& link, const std::string& stream, jsConsumerConfig& config,
                          Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsConsumerInfo* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  natsStatus s = js_AddConsumer(&raw, link.jetstream(), stream.c_str(), &config, &o, &code);
  ConsumerInfoPtr info(raw);
  if (s != NATS_OK) return nats_error(s, code, "create consumer on " + stream, deadline);
  // nats-server 2.9 answers an existing durable with its old settings.
  if (info->Config->AckWait == config.AckWait && info->Config->MaxAckPending == config.MaxAckPending)
    return ok();
  raw = nullptr;
  o = api_options(deadline);
  s = js_UpdateConsumer(&raw, link.jetstream(), stream.c_str(), &config, &o, &code);
  jsConsumerInfo_Destroy(raw);
  if (s != NATS_OK) return nats_error(s, code, "update consumer on " + stream, deadline);
  return ok();
}

Result<std::vector<std::string>> stream_names(NatsLink& link, std::string_view prefix, Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsStreamNamesList* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  const natsStatus s = js_StreamNames(&raw, link.jetstream(), &o, &code);
  StreamNamesPtr list(raw);
  std::vector<std::string> names;
  if (s == NATS_NOT_FOUND) return names;  // no streams at all
  if (s != NATS_OK) return nats_error(s, code, "list streams", deadline);
  for (int i = 0; i < list->Count; ++i) {
    std::string_view name = list->List[i];
    if (name.starts_with(prefix)) names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> purge_stream(NatsLink& link, const std::string& stream, Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsErrCode code{};  // libnats names no zero code: "none yet"
  const natsStatus s = js_PurgeStream(link.jetstream(), stream.c_str(), &o, &code);
  if (s == NATS_NOT_FOUND) return Error::not_found("no stream " + stream + " (not declared)");
  if (s != NATS_OK) return nats_error(s, code, "purge " + stream, deadline);
  return ok();
}

Result<void> delete_message(NatsLink& link, const std::string& stream, std::uint64_t sequence,
                            Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsErrCode code{};  // libnats names no zero code: "none yet"
  const natsStatus s = js_DeleteMsg(link.jetstream(), stream.c_str(), sequence, &o, &code);
  if (s == NATS_NOT_FOUND) return ok();  // gone already (an earlier try, or retention)
  if (s != NATS_OK) return nats_error(s, code, "delete from " + stream, deadline);
  return ok();
}

Result<std::optional<std::string>> last_value(NatsLink& link, const std::string& stream,
                                              const std::string& subject, Deadline deadline) {
  jsOptions o = api_options(deadline);
  natsMsg* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  const natsStatus s = js_GetLastMsg(&raw, link.jetstream(), stream.c_str(), subject.c_str(), &o, &code);
  MsgPtr message(raw);
  if (code == JSStreamNotFoundErr) return Error::not_found("no stream " + stream + " (not declared)");
  if (s == NATS_NOT_FOUND) return std::optional<std::string>();
  if (s != NATS_OK) return nats_error(s, code, "read the last value of " + subject, deadline);
  return std::optional<std::string>(
      std::string(natsMsg_GetData(raw), static_cast<std::size_t>(natsMsg_GetDataLength(raw))));
}

Result<std::optional<Delivery>> next_stored(NatsLink& link, const std::string& stream,
                                            const std::string& subject, std::uint64_t from,
                                            Deadline deadline) {
  jsOptions o = api_options(deadline);
  jsDirectGetMsgOptions get;
  jsDirectGetMsgOptions_Init(&get);
  get.Sequence = from;
  get.NextBySubject = subject.c_str();
  natsMsg* raw = nullptr;
  const natsStatus s = js_DirectGetMsg(&raw, link.jetstream(), stream.c_str(), &o, &get);
  MsgPtr found(raw);
  if (s == NATS_NOT_FOUND) return std::optional<Delivery>();
  if (s != NATS_OK) return nats_error(s, 0, "read " + stream + " by sequence", deadline);
  return std::optional<Delivery>(read_stored(raw));
}

Result<std::uint64_t> sequence_at_time(NatsLink& link, const std::string& stream, const std::string& subject,
                                       std::int64_t time_ms, Deadline deadline) {
  auto info = stream_info(link, stream, deadline);
  if (!info) return info.error();
  // Every message before `lo` is older than `time_ms`; the first message
  // at or after `hi`, if there is one, is not.
  std::uint64_t lo = std::max<std::uint64_t>(1, (*info)->State.FirstSeq);
  std::uint64_t hi = (*info)->State.LastSeq + 1;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    auto found = next_stored(link, stream, subject, mid, deadline);
    if (!found) return found.error();
    // The first message at or after `mid`: none lies between the two.
    if (!*found || (*found)->stored_at_ms >= time_ms) {
      hi = mid;
    } else {
      lo = (*found)->sequence + 1;
    }
  }
  return lo;
}

Result<std::vector<Delivery>> read_stream(NatsLink& link, const std::string& stream, std::uint64_t first,
                                          int max, std::chrono::milliseconds wait, Deadline deadline) {
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.AckPolicy = js_AckNone;
  config.InactiveThreshold = kReadConsumerIdle;
  config.MemoryStorage = true;
  if (first > 0) {
    config.DeliverPolicy = js_DeliverByStartSequence;
    config.OptStartSeq = first;
  } else {
    config.DeliverPolicy = js_DeliverAll;
  }
  jsOptions o = api_options(deadline);
  jsConsumerInfo* raw = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  natsStatus s = js_AddConsumer(&raw, link.jetstream(), stream.c_str(), &config, &o, &code);
  ConsumerInfoPtr info(raw);
  if (s != NATS_OK) return nats_error(s, code, "read " + stream, deadline);
  const std::string consumer = info->Name;

  auto outcome = [&]() -> Result<std::vector<Delivery>> {
    auto puller = Puller::open(link);
    if (!puller) return puller.error();
    auto ready = (*puller)->take_ready(stream, consumer, max, deadline);
    if (!ready) return ready.error();
    if (!ready->empty() || wait.count() <= 0) return read_all(*ready);
    const Deadline poll_deadline(deadline.at() - kAnswerMargin);
    if (poll_deadline.expired()) return std::vector<Delivery>();
    auto first = (*puller)->wait_for_one(stream, consumer, Clock::now() + wait, poll_deadline);
    if (!first) return first.error();
    if (first->empty() || max == 1) return read_all(*first);
    auto rest = (*puller)->take_ready(stream, consumer, max - 1, deadline);
    if (rest) {
      for (auto& m : *rest) first->push_back(std::move(m));
    }
    return read_all(*first);
  }();

  // Deleted without waiting for the answer, so the read ends by its
  // deadline; the server drops the consumer after kReadConsumerIdle anyway.
  const std::string deletion = "$JS.API.CONSUMER.DELETE." + stream + "." + consumer;
  (void)natsConnection_Publish(link.connection(), deletion.c_str(), nullptr, 0);
  return outcome;
}

}  // namespace cafe::bus::internal
