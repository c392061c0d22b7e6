// Event streams on JetStream (layout in nats_names.h): declaring,
// appending, stateless reads, consumer groups' committed offsets, stats.
// Blocking calls, made on the backend's threads, each bounded by its
// deadline.
#pragma once

#include "platform/bus/bus.h"
#include "platform/bus/internal/nats_link.h"

#include <optional>
#include <string>
#include <vector>

namespace cafe::bus::internal {

// The limits stream and its groups' KV bucket; options of an existing
// stream are updated.
Result<void> declare_event_stream(NatsLink& link, const std::string& stream, const StreamOptions& options,
                                  Deadline deadline);

// One by one, stopping at the first failure (so records of one key are
// never stored out of order); a retried entry (same id, within the dedupe
// window) answers its first offset.
Result<std::vector<std::uint64_t>> append_entries(NatsLink& link, const std::string& stream,
                                                  const std::vector<StreamEntry>& entries, Deadline deadline);

Result<std::vector<StreamRecord>> read_records(NatsLink& link, const std::string& stream,
                                               const StreamPosition& from, const ReadOptions& options,
                                               Deadline deadline);

Result<void> commit_offset(NatsLink& link, const std::string& stream, const std::string& group,
                           std::uint64_t offset, Deadline deadline);
Result<std::optional<std::uint64_t>> committed_offset(NatsLink& link, const std::string& stream,
                                                      const std::string& group, Deadline deadline);

Result<std::vector<StreamStats>> event_stream_stats(NatsLink& link, Deadline deadline);

}  // namespace cafe::bus::internal
