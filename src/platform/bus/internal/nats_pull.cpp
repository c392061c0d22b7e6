#include "platform/bus/internal/nats_pull.h"

#include <algorithm>
#include <chrono>
#include <string_view>

namespace cafe::bus::internal {
namespace {

using Clock = Deadline::Clock;
using namespace std::chrono_literals;

// Room on the inbox for the largest batch of the largest bodies (500 of
// 256 KiB) and some late deliveries; libnats drops beyond it.
constexpr int kInboxMessages = 4096;
constexpr std::int64_t kInboxBytes = 192ll << 20;

// How long after its expiry a waiting request's "408 Request Timeout" may
// take to arrive before we stop listening for it.
constexpr auto kExpiryAnswerMargin = 25ms;

std::string next_subject(const std::string& stream, const std::string& consumer) {
  return "$JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer;
}

// JetStream answers a pull with status messages: 404 (no messages), 408
// (expired, or a no_wait request served partly), 409 (a consumer limit or
// the consumer went away) end the request; 100 is a heartbeat.
std::string_view status_of(natsMsg* message) {
  if (natsMsg_GetDataLength(message) != 0) return {};
  const char* status = nullptr;
  if (natsMsgHeader_Get(message, "Status", &status) != NATS_OK || status == nullptr) return {};
  return status;
}

}  // namespace

Result<std::unique_ptr<Puller>> Puller::open(NatsLink& link) {
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) return Error::internal("nats: cannot make an inbox");
  std::string prefix(inbox);
  natsInbox_Destroy(inbox);
  natsSubscription* raw = nullptr;
  const natsStatus s = natsConnection_SubscribeSync(&raw, link.connection(), (prefix + ".*").c_str());
  if (s != NATS_OK) return nats_error(s, 0, "subscribe an inbox", Deadline::after(1s));
  SubPtr sub(raw);
  (void)natsSubscription_SetPendingLimits(raw, kInboxMessages, kInboxBytes);
  return std::unique_ptr<Puller>(new Puller(link, std::move(prefix), std::move(sub)));
}

Result<std::vector<MsgPtr>> Puller::take_ready(const std::string& stream, const std::string& consumer,
                                               int batch, Deadline deadline) {
  const std::string request = "{\"batch\":" + std::to_string(batch) + ",\"no_wait\":true}";
  return pull(stream, consumer, request, batch, deadline, false, deadline);
}

Result<std::vector<MsgPtr>> Puller::wait_for_one(const std::string& stream, const std::string& consumer,
                                                 Clock::time_point until, Deadline deadline) {
  const auto now = Clock::now();
  const auto expires = std::max<Clock::duration>(1ms, std::min(until, deadline.at()) - now);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(expires).count();
  const std::string request = "{\"batch\":1,\"expires\":" + std::to_string(nanos) + "}";
  const Deadline answer_by(std::min(deadline.at(), now + expires + kExpiryAnswerMargin));
  return pull(stream, consumer, request, 1, answer_by, true, deadline);
}

Result<std::vector<MsgPtr>> Puller::pull(const std::string& stream, const std::string& consumer,
                                         const std::string& request, int batch, Deadline answer_by,
                                         bool long_poll, Deadline deadline) {
  std::vector<MsgPtr> out;
  if (deadline.expired()) return Error::make(ErrorCode::kDeadlineExceeded, "nats pull: deadline passed");
  const std::string reply = prefix_ + "." + std::to_string(next_request_++);
  natsStatus s =
      natsConnection_PublishRequest(link_.connection(), next_subject(stream, consumer).c_str(), reply.c_str(),
                                    request.data(), static_cast<int>(request.size()));
  if (s != NATS_OK) return nats_error(s, 0, "pull from " + stream, deadline);
  while (static_cast<int>(out.size()) < batch) {
    natsMsg* raw = nullptr;
    s = natsSubscription_NextMsg(&raw, sub_.get(), millis_left(answer_by));
    if (s == NATS_TIMEOUT) {
      if (!answer_by.expired()) continue;  // libnats counts whole milliseconds
      // A long poll that ran out is an empty answer; a pull of what is
      // there that got no answer at all means the server is not answering.
      if (long_poll || !out.empty()) return out;
      return Error::make(ErrorCode::kDeadlineExceeded, "nats pull from " + stream + ": no answer in time");
    }
    if (s != NATS_OK) return nats_error(s, 0, "pull from " + stream, deadline);
    MsgPtr message(raw);
    const std::string_view status = status_of(raw);
    if (status.empty()) {
      out.push_back(std::move(message));
      continue;
    }
    if (natsMsg_GetSubject(raw) != reply) continue;  // the end of an earlier request
    if (status.starts_with("100")) continue;
    if (status.starts_with("409") && out.empty()) {
      const char* why = nullptr;
      (void)natsMsgHeader_Get(raw, "Description", &why);
      return Error::unavailable("nats pull from " + stream + ": " + (why != nullptr ? why : "refused"));
    }
    break;  // 404, 408 or 409: the request is over
  }
  return out;
}

}  // namespace cafe::bus::internal
