// The JetStream calls the backend makes beyond publishing and pulling:
// streams, consumers, messages by sequence, and reading a stream through a
// short-lived consumer. Each is bounded by its deadline and answers a
// cafe::Error (kNotFound for a stream or consumer that does not exist).
#pragma once

#include "platform/bus/internal/nats_handles.h"
#include "platform/bus/internal/nats_link.h"
#include "platform/bus/internal/nats_message.h"
#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cafe::bus::internal {

// `subjects_filter`: also list the stream's subjects matching it.
Result<StreamInfoPtr> stream_info(NatsLink& link, const std::string& stream, Deadline deadline,
                                  const char* subjects_filter = nullptr);
Result<ConsumerInfoPtr> consumer_info(NatsLink& link, const std::string& stream, const std::string& consumer,
                                      Deadline deadline);

// Creates the stream, or updates it when it exists with other settings.
Result<void> put_stream(NatsLink& link, jsStreamConfig& config, Deadline deadline);
// Creates the durable consumer, or updates it when it exists.
Result<void> put_consumer(NatsLink& link, const std::string& stream, jsConsumerConfig& config,
                          Deadline deadline);

// Names of the streams whose names start with `prefix`.
Result<std::vector<std::string>> stream_names(NatsLink& link, std::string_view prefix, Deadline deadline);

Result<void> purge_stream(NatsLink& link, const std::string& stream, Deadline deadline);
Result<void> delete_message(NatsLink& link, const std::string& stream, std::uint64_t sequence,
                            Deadline deadline);

// The newest message on `subject` of `stream`; nullopt when there is none.
Result<std::optional<std::string>> last_value(NatsLink& link, const std::string& stream,
                                              const std::string& subject, Deadline deadline);

// The first message of `stream` on `subject` at or after sequence `from`
// (a direct get: the stream must allow them); nullopt when there is none.
Result<std::optional<Delivery>> next_stored(NatsLink& link, const std::string& stream,
                                            const std::string& subject, std::uint64_t from,
                                            Deadline deadline);

// The first sequence of `stream` stored at or after `time_ms` (Unix ms),
// one past the last when there is none. A binary search over direct gets
// (the stream must allow them): nats-server 2.9.10's own start-by-time
// (DeliverByStartTime) starts a file-backed stream's consumer past its end
// for most times we tried.
Result<std::uint64_t> sequence_at_time(NatsLink& link, const std::string& stream, const std::string& subject,
                                       std::int64_t time_ms, Deadline deadline);

// Up to `max` messages of `stream` from sequence `first` (0: the oldest
// retained) in stream order, through an ephemeral consumer made for this
// read and deleted after it. When none is there it waits up to `wait` for
// the first.
Result<std::vector<Delivery>> read_stream(NatsLink& link, const std::string& stream, std::uint64_t first,
                                          int max, std::chrono::milliseconds wait, Deadline deadline);

}  // namespace cafe::bus::internal
