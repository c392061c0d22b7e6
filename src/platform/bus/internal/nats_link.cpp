#include "platform/bus/internal/nats_link.h"

#include "platform/telemetry/log.h"

#include <algorithm>
#include <charconv>

namespace cafe::bus::internal {
namespace {

using Clock = Deadline::Clock;

bool transport_failure(natsStatus status) {
  switch (status) {
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_NOT_YET_CONNECTED:
    case NATS_DRAINING:
    case NATS_NO_RESPONDERS:
      return true;
    default:
      return false;
  }
}

void on_disconnected(natsConnection* conn, void*) {
  if (natsConnection_IsClosed(conn)) return;  // our own close()
  telemetry::log(telemetry::Level::kWarn, "bus_disconnected", {{"backend", "nats"}});
}

void on_reconnected(natsConnection*, void*) {
  telemetry::log(telemetry::Level::kInfo, "bus_reconnected", {{"backend", "nats"}});
}

void on_async_error(natsConnection*, natsSubscription*, natsStatus err, void*) {
  telemetry::log(telemetry::Level::kWarn, "bus_async_error",
                 {{"backend", "nats"}, {"status", natsStatus_GetText(err)}});
}

struct OptionsDeleter {
  void operator()(natsOptions* o) const noexcept { natsOptions_Destroy(o); }
};

}  // namespace

std::int64_t millis_left(Deadline deadline) {
  return std::max<std::int64_t>(1, deadline.remaining().count());
}

jsOptions api_options(Deadline deadline) {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = millis_left(deadline);
  return o;
}

std::string last_nats_error() {
  const char* text = nats_GetLastError(nullptr);
  return text != nullptr ? std::string(text) : std::string();
}

std::string nak_with_delay(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return std::string(kNak);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count();
  return std::string(kNak) + " {\"delay\":" + std::to_string(nanos) + "}";
}

Error nats_error(natsStatus status, int js_code, std::string_view what, Deadline deadline) {
  const std::string detail = "nats " + std::string(what) + ": " + natsStatus_GetText(status);
  switch (js_code) {
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
      return Error::not_found(detail + " (not declared)");
    case JSStreamStoreFailedErr:  // "maximum messages exceeded", "maximum bytes exceeded"
    case JSInsufficientResourcesErr:
    case JSAccountResourcesExceededErr:
      return Error::make(ErrorCode::kResourceExhausted, detail + " (a limit refused it)");
    case JSStreamMessageExceedsMaximumErr:
      return Error::invalid(detail + " (message too large)");
    default:
      break;
  }
  if (status == NATS_TIMEOUT) {
    if (deadline.expired()) return Error::make(ErrorCode::kDeadlineExceeded, detail);
    return Error::unavailable(detail);
  }
  if (transport_failure(status)) return Error::unavailable(detail);
  if (status == NATS_ERR) return Error::unavailable(detail + " (JetStream refused)");
  return Error::internal(detail);
}

Result<std::unique_ptr<NatsLink>> NatsLink::connect(const NatsBusOptions& options) {
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) return Error::internal("nats: cannot create options");
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
  natsStatus s = natsOptions_SetURL(raw, options.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(raw, "cloudcafe");
  if (s == NATS_OK)
    s = natsOptions_SetTimeout(raw, std::max<std::int64_t>(1, options.connect_timeout.count()));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(raw, options.max_reconnects);
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait(raw, std::max<std::int64_t>(1, options.reconnect_wait.count()));
  if (s == NATS_OK)
    s = natsOptions_SetPingInterval(raw, std::max<std::int64_t>(1, options.ping_interval.count()));
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(raw, 2);
  // A request made while disconnected fails at once: the caller's deadline
  // is not spent waiting for a reconnect.
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(raw, true);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(raw, on_reconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(raw, on_async_error, nullptr);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(raw, on_disconnected, nullptr);
  if (s != NATS_OK) return Error::invalid("nats options: " + last_nats_error());

  std::unique_ptr<NatsLink> link(new NatsLink());
  const Deadline deadline = Deadline::after(options.connect_timeout);
  if (natsConnection_Connect(&link->conn_, raw) != NATS_OK) {
    return Error::unavailable("nats: cannot connect to " + options.url + ": " + last_nats_error());
  }
  if (natsConnection_JetStream(&link->js_, link->conn_, nullptr) != NATS_OK) {
    return Error::internal("nats: cannot make a JetStream context: " + last_nats_error());
  }
  jsOptions o = api_options(deadline);
  jsAccountInfo* info = nullptr;
  jsErrCode code{};  // libnats names no zero code: "none yet"
  s = js_GetAccountInfo(&info, link->js_, &o, &code);
  jsAccountInfo_Destroy(info);
  if (s != NATS_OK) {
    return Error::unavailable("nats: JetStream does not answer at " + options.url + ": " + last_nats_error());
  }
  return link;
}

NatsLink::~NatsLink() {
  close();
  jsCtx_Destroy(js_);
  natsConnection_Destroy(conn_);
}

void NatsLink::close() {
  closing_ = true;
  if (conn_ != nullptr) natsConnection_Close(conn_);
}

Result<void> NatsLink::ready() const {
  if (natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED) return ok();
  return Error::unavailable(closing_ ? "the bus is closed" : "nats: not connected (reconnecting)");
}

void NatsLink::tell(const std::string& ack_subject, std::string_view payload) {
  (void)natsConnection_Publish(conn_, ack_subject.c_str(), payload.data(), static_cast<int>(payload.size()));
}

Result<std::vector<bool>> NatsLink::acknowledge(const std::vector<std::pair<std::string, std::string>>& acks,
                                                Deadline deadline) {
  std::vector<bool> confirmed(acks.size(), false);
  if (acks.empty()) return confirmed;
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) return Error::internal("nats: cannot make an inbox");
  const std::string prefix(inbox);
  natsInbox_Destroy(inbox);

  natsSubscription* raw = nullptr;
  natsStatus s = natsConnection_SubscribeSync(&raw, conn_, (prefix + ".*").c_str());
  if (s != NATS_OK) return nats_error(s, 0, "subscribe for ack answers", deadline);
  SubPtr sub(raw);
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const std::string reply = prefix + "." + std::to_string(i);
    const auto& [subject, payload] = acks[i];
    s = natsConnection_PublishRequest(conn_, subject.c_str(), reply.c_str(), payload.data(),
                                      static_cast<int>(payload.size()));
    if (s != NATS_OK) return nats_error(s, 0, "send acks", deadline);
  }
  std::size_t answered = 0;
  while (answered < acks.size()) {
    natsMsg* answer = nullptr;
    s = natsSubscription_NextMsg(&answer, sub.get(), millis_left(deadline));
    if (s != NATS_OK) {
      if (s == NATS_TIMEOUT && deadline.expired()) break;  // the unconfirmed stay false
      return nats_error(s, 0, "wait for ack answers", deadline);
    }
    MsgPtr owned(answer);
    const std::string_view subject = natsMsg_GetSubject(answer);
    std::size_t index = confirmed.size();
    const auto tail = subject.substr(std::min(subject.size(), prefix.size() + 1));
    std::from_chars(tail.data(), tail.data() + tail.size(), index);
    if (index < confirmed.size() && !confirmed[index]) {
      confirmed[index] = true;
      ++answered;
    }
    if (deadline.expired()) break;
  }
  return confirmed;
}

}  // namespace cafe::bus::internal
