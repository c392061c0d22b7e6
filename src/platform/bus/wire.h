// The embedded bus's HTTP wire format: JSON bodies for each call and its
// answer, written and read by the same code on both sides (the bus
// service's routes and the client the services use). Readers are strict:
// unknown fields, wrong types and out-of-range values are kInvalidArgument
// naming the field; nothing here throws.
//
//   POST /bus/queues/{q}/messages  {"messages":[{"id","body","delay_ms"}]}      -> {"sent":n}
//   POST /bus/queues/{q}/receive   {"max_messages","wait_ms","visibility_ms"}     -> {"messages":[...]}
//   POST /bus/queues/{q}/ack       {"receipts":[...]}                             -> 204
//   POST /bus/queues/{q}/nack      {"receipts":[...],"delay_ms"}                  -> 204
//   POST /bus/queues/{q}/extend    {"receipts":[...],"visibility_ms"}             -> 204
//   PUT  /bus/queues/{q}           {"visibility_ms","max_receives","max_messages","max_bytes",
//                                   "dead_letter_retention_hours"}                -> 204
//   POST /bus/streams/{s}/records  {"records":[{"partition_key","id","body"}]}    -> {"offsets":[...]}
//   POST /bus/streams/{s}/read     {"from":{"offset"}|{"time_ms"}|{"group"},"max_records","wait_ms"}
//                                                                                 -> {"records":[...]}
//   PUT  /bus/streams/{s}/groups/{g} {"offset"}                                   -> 204
//   GET  /bus/streams/{s}/groups/{g}                                              -> {"offset":n|null}
//   PUT  /bus/streams/{s}          {"max_age_ms","max_bytes"}                     -> 204
// Admin (bearer token):
//   GET  /admin/bus/queues, /admin/bus/streams                                    -> stats
//   GET  /admin/bus/queues/{q}/messages?limit=n     (peek)                        -> {"messages":[...]}
//   GET  /admin/bus/queues/{q}/dead-letters?limit=n                               -> {"messages":[...]}
//   POST /admin/bus/queues/{q}/redrive {"limit"}                                  -> {"moved":n}
//   DELETE /admin/bus/queues/{q}/messages                                         -> {"purged":n}
#pragma once

#include "platform/bus/bus.h"

#include <string>
#include <string_view>

namespace cafe::bus::wire {

// A request body is at most this big (500 messages of 256 KiB would not
// fit; the client splits nothing, so callers keep batches reasonable).
inline constexpr std::size_t kMaxRequestBytes = 16u << 20;

std::string write_messages(const std::vector<OutgoingMessage>& messages);
Result<std::vector<OutgoingMessage>> read_messages(std::string_view body);

std::string write_receive(const ReceiveOptions& options);
Result<ReceiveOptions> read_receive(std::string_view body);

std::string write_deliveries(const std::vector<QueueMessage>& messages);
Result<std::vector<QueueMessage>> read_deliveries(std::string_view body);

struct ReceiptsCall {
  std::vector<std::string> receipts;
  std::chrono::milliseconds delay{0};       // nack
  std::chrono::milliseconds visibility{0};  // extend
};
enum class ReceiptsKind { kAck, kNack, kExtend };
std::string write_receipts(ReceiptsKind kind, const ReceiptsCall& call);
Result<ReceiptsCall> read_receipts(ReceiptsKind kind, std::string_view body);

std::string write_queue_options(const QueueOptions& options);
Result<QueueOptions> read_queue_options(std::string_view body);
std::string write_stream_options(const StreamOptions& options);
Result<StreamOptions> read_stream_options(std::string_view body);

std::string write_entries(const std::vector<StreamEntry>& entries);
Result<std::vector<StreamEntry>> read_entries(std::string_view body);

std::string write_offsets(const std::vector<std::uint64_t>& offsets);
Result<std::vector<std::uint64_t>> read_offsets(std::string_view body);

struct ReadCall {
  StreamPosition from;
  ReadOptions options;
};
std::string write_read(const StreamPosition& from, const ReadOptions& options);
Result<ReadCall> read_read(std::string_view body);

std::string write_records(const std::vector<StreamRecord>& records);
Result<std::vector<StreamRecord>> read_records(std::string_view body);

std::string write_offset(std::optional<std::uint64_t> offset);
Result<std::optional<std::uint64_t>> read_offset(std::string_view body, bool allow_null);

std::string write_count(std::string_view field, std::size_t n);
Result<std::size_t> read_count(std::string_view field, std::string_view body);

std::string write_queue_stats(const std::vector<QueueStats>& stats);
Result<std::vector<QueueStats>> read_queue_stats(std::string_view body);
std::string write_stream_stats(const std::vector<StreamStats>& stats);
Result<std::vector<StreamStats>> read_stream_stats(std::string_view body);

}  // namespace cafe::bus::wire
