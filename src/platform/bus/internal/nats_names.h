// How the bus's queues, streams and consumer groups are laid out on
// JetStream, and the headers our messages carry. One place, so that every
// process (and `nats stream ls`) agrees on them:
//   queue Q    work-queue stream cafe_q_Q, subject cafe.q.Q, one durable
//              pull consumer "worker"; its dead letters in the limits
//              stream cafe_dlq_Q, subject cafe.dlq.Q;
//   stream S   limits stream cafe_s_S, subject cafe.s.S; the committed
//              offsets of its consumer groups in the KV bucket cafe_g_S
//              (key = group, value = offset in decimal).
// Names are valid_name() strings, so they are valid stream names, subject
// tokens and KV keys as they are.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::bus::internal {

inline constexpr std::string_view kQueueStreamPrefix = "cafe_q_";
inline constexpr std::string_view kStreamPrefix = "cafe_s_";
inline constexpr const char* kQueueConsumer = "worker";

std::string queue_stream(std::string_view queue);
std::string queue_subject(std::string_view queue);
std::string dead_letter_stream(std::string_view queue);
std::string dead_letter_subject(std::string_view queue);
std::string event_stream(std::string_view stream);
std::string event_subject(std::string_view stream);
std::string groups_bucket(std::string_view stream);
std::string groups_kv_stream(std::string_view stream);  // the stream behind the bucket
std::string group_subject(std::string_view stream, std::string_view group);
std::string group_subjects(std::string_view stream);  // wildcard over every group

// Headers. Nats-Msg-Id is JetStream's dedupe key; the others are ours.
inline constexpr const char* kMsgIdHeader = "Nats-Msg-Id";
inline constexpr const char* kIdHeader = "Cafe-Id";                 // the event id
inline constexpr const char* kSentAtHeader = "Cafe-Sent-At";        // Unix ms, queues
inline constexpr const char* kNotBeforeHeader = "Cafe-Not-Before";  // Unix ms, a delayed send
inline constexpr const char* kReceivesHeader = "Cafe-Receives";     // receive count, dead letters
inline constexpr const char* kKeyHeader = "Cafe-Key";               // partition key, streams

// A queue's options that receivers in every process need: JetStream 2.9
// streams have no metadata, so they travel in the stream's description
// ("cafe queue visibility_ms=30000 max_receives=5 max_bytes=67108864";
// libnats does not escape the strings it puts in JSON, hence no quotes).
struct QueueSettings {
  std::chrono::milliseconds visibility{30'000};
  std::uint32_t max_receives = 5;
  std::size_t max_bytes = 0;
};

std::string describe(const QueueSettings& settings);
std::optional<QueueSettings> parse_queue_settings(std::string_view description);

}  // namespace cafe::bus::internal
