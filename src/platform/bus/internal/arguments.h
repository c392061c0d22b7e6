// The checks of call arguments that the Bus contract (bus.h) asks of every
// backend, answered as kInvalidArgument with the offending field. Kept
// apart from any backend so that both run the same rules.
#pragma once

#include "platform/bus/bus.h"

#include <string>
#include <string_view>
#include <vector>

namespace cafe::bus::internal {

// Ids and partition keys travel in message headers: at most this long,
// and no control characters.
inline constexpr std::size_t kMaxIdBytes = 256;

Result<void> check_name(std::string_view field, std::string_view name);
Result<void> check_queue_options(const QueueOptions& options);
Result<void> check_stream_options(const StreamOptions& options);
Result<void> check_messages(const std::vector<OutgoingMessage>& messages);
Result<void> check_entries(const std::vector<StreamEntry>& entries);
Result<void> check_receive(const ReceiveOptions& options);
Result<void> check_receipts(const std::vector<std::string>& receipts);
Result<void> check_duration(std::string_view field, std::chrono::milliseconds value);
Result<void> check_limit(std::size_t limit);
Result<void> check_read(const StreamPosition& from, const ReadOptions& options);

}  // namespace cafe::bus::internal
