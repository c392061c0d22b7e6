// The argument checks every backend applies before it does anything, so a
// bad call is refused the same way on the embedded bus and on JetStream
// (kInvalidArgument naming the field).
#pragma once

#include "platform/bus/bus.h"

namespace cafe::bus {

inline constexpr std::size_t kMaxIdBytes = 128;
inline constexpr std::size_t kMaxPartitionKeyBytes = 256;
inline constexpr std::chrono::milliseconds kMaxWait{20'000};            // long poll
inline constexpr std::chrono::milliseconds kMaxVisibility{43'200'000};  // 12 h, as SQS
inline constexpr std::chrono::milliseconds kMaxDelay{900'000};          // 15 min, as SQS

Result<void> check_name(std::string_view what, std::string_view name);
Result<void> check_queue_options(const QueueOptions& options);
Result<void> check_stream_options(const StreamOptions& options);
Result<void> check_messages(const std::vector<OutgoingMessage>& messages);
Result<void> check_receive(const ReceiveOptions& options);
Result<void> check_receipts(const std::vector<std::string>& receipts);
Result<void> check_visibility(std::chrono::milliseconds visibility);
Result<void> check_delay(std::chrono::milliseconds delay);
Result<void> check_entries(const std::vector<StreamEntry>& entries);
Result<void> check_read(const StreamPosition& from, const ReadOptions& options);

}  // namespace cafe::bus
