// Pulling from a JetStream pull consumer with our own requests over one
// inbox subscription that lives as long as the puller.
//
// Why not natsSubscription_Fetch: in libnats 3.4 a fetch that finds
// nothing waits its whole timeout even with NoWait, and a fetch of n
// messages waits until all n came; a long poll must end as soon as one
// message is there, and a poll without wait must not wait at all. So a
// receive asks for what is there now (no_wait), and only when that is
// nothing, for one message with an expiry, then again for the rest.
//
// A delivery that arrives after its request was given up (the server was
// slow to answer) stays queued on the inbox and is returned by the next
// pull: the puller keeps its inbox for that reason. Not thread-safe: one
// thread uses a puller.
#pragma once

#include "platform/bus/internal/nats_handles.h"
#include "platform/bus/internal/nats_link.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cafe::bus::internal {

class Puller {
 public:
  static Result<std::unique_ptr<Puller>> open(NatsLink& link);

  // Up to `batch` messages the consumer has now; none is not an error.
  Result<std::vector<MsgPtr>> take_ready(const std::string& stream, const std::string& consumer, int batch,
                                         Deadline deadline);

  // One message, waiting for it until `until` (and never past
  // `deadline`); none when the wait ends empty.
  Result<std::vector<MsgPtr>> wait_for_one(const std::string& stream, const std::string& consumer,
                                           Deadline::Clock::time_point until, Deadline deadline);

 private:
  Puller(NatsLink& link, std::string prefix, SubPtr sub)
      : link_(link), prefix_(std::move(prefix)), sub_(std::move(sub)) {}

  Result<std::vector<MsgPtr>> pull(const std::string& stream, const std::string& consumer,
                                   const std::string& request, int batch, Deadline answer_by, bool long_poll,
                                   Deadline deadline);

  NatsLink& link_;
  const std::string prefix_;  // the inbox; each request answers to prefix_.<n>
  SubPtr sub_;                // subscribed to prefix_.*
  std::uint64_t next_request_ = 0;
};

}  // namespace cafe::bus::internal
