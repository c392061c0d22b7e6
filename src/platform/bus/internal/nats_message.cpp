#include "platform/bus/internal/nats_message.h"

#include <charconv>
#include <chrono>

namespace cafe::bus::internal {
namespace {

std::string header(natsMsg* message, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(message, name, &value) != NATS_OK || value == nullptr) return {};
  return value;
}

template <class T>
std::optional<T> number_header(natsMsg* message, const char* name) {
  const std::string text = header(message, name);
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The body and our headers; the caller adds where it came from.
Delivery read_content(natsMsg* message) {
  Delivery d;
  d.body.assign(natsMsg_GetData(message), static_cast<std::size_t>(natsMsg_GetDataLength(message)));
  d.id = header(message, kIdHeader);
  d.key = header(message, kKeyHeader);
  d.sent_at_ms = number_header<std::int64_t>(message, kSentAtHeader);
  d.not_before_ms = number_header<std::int64_t>(message, kNotBeforeHeader);
  d.receives = number_header<std::uint32_t>(message, kReceivesHeader);
  return d;
}

}  // namespace

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Published> publish(NatsLink& link, const Outgoing& message, Deadline deadline) {
  if (deadline.expired()) return Error::make(ErrorCode::kDeadlineExceeded, "nats publish: deadline passed");
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, message.subject.c_str(), nullptr, message.body.data(),
                                static_cast<int>(message.body.size()));
  if (s != NATS_OK) return nats_error(s, 0, "make a message", deadline);
  MsgPtr owned(raw);
  for (const auto& [name, value] : message.headers) {
    s = natsMsgHeader_Set(raw, name, value.c_str());
    if (s != NATS_OK) return nats_error(s, 0, "set a header", deadline);
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = millis_left(deadline);
  if (!message.msg_id.empty()) po.MsgId = message.msg_id.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  s = js_PublishMsg(&ack, link.jetstream(), raw, &po, &code);
  PubAckPtr owned_ack(ack);
  if (s != NATS_OK) return nats_error(s, code, "publish to " + message.subject, deadline);
  return Published{.sequence = ack->Sequence};
}

Result<Delivery> read_delivery(natsMsg* message) {
  jsMsgMetaData* raw = nullptr;
  if (natsMsg_GetMetaData(&raw, message) != NATS_OK) {
    return Error::internal("nats: a delivery without JetStream metadata");
  }
  MetaDataPtr meta(raw);
  Delivery d = read_content(message);
  if (const char* reply = natsMsg_GetReply(message)) d.ack_subject = reply;
  d.sequence = meta->Sequence.Stream;
  d.delivered = meta->NumDelivered;
  d.stored_at_ms = meta->Timestamp / 1'000'000;
  return d;
}

Delivery read_stored(natsMsg* message) {
  Delivery d = read_content(message);
  d.sequence = natsMsg_GetSequence(message);
  d.stored_at_ms = natsMsg_GetTime(message) / 1'000'000;
  return d;
}

}  // namespace cafe::bus::internal
