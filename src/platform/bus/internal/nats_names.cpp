#include "platform/bus/internal/nats_names.h"

#include <charconv>

namespace cafe::bus::internal {
namespace {

constexpr std::string_view kSettingsTag = "cafe queue";

std::string join(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + b.size());
  s.append(a).append(b);
  return s;
}

// The unsigned number after "name=" in `text`, if any.
std::optional<std::uint64_t> field(std::string_view text, std::string_view name) {
  const std::string key = join(name, "=");
  std::size_t at = text.find(key);
  while (at != std::string_view::npos && at != 0 && text[at - 1] != ' ') at = text.find(key, at + 1);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = text.data() + at + key.size();
  const char* last = text.data() + text.size();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end == first) return std::nullopt;
  return value;
}

}  // namespace

std::string queue_stream(std::string_view queue) {
  return join(kQueueStreamPrefix, queue);
}
std::string queue_subject(std::string_view queue) {
  return join("cafe.q.", queue);
}
std::string dead_letter_stream(std::string_view queue) {
  return join("cafe_dlq_", queue);
}
std::string dead_letter_subject(std::string_view queue) {
  return join("cafe.dlq.", queue);
}
std::string event_stream(std::string_view stream) {
  return join(kStreamPrefix, stream);
}
std::string event_subject(std::string_view stream) {
  return join("cafe.s.", stream);
}
std::string groups_bucket(std::string_view stream) {
  return join("cafe_g_", stream);
}
std::string groups_kv_stream(std::string_view stream) {
  return join("KV_", groups_bucket(stream));
}
std::string group_subject(std::string_view stream, std::string_view group) {
  return join(join(join("$KV.", groups_bucket(stream)), "."), group);
}
std::string group_subjects(std::string_view stream) {
  return join(join("$KV.", groups_bucket(stream)), ".>");
}

std::string describe(const QueueSettings& settings) {
  return std::string(kSettingsTag) + " visibility_ms=" + std::to_string(settings.visibility.count()) +
         " max_receives=" + std::to_string(settings.max_receives) +
         " max_bytes=" + std::to_string(settings.max_bytes);
}

std::optional<QueueSettings> parse_queue_settings(std::string_view description) {
  if (!description.starts_with(kSettingsTag)) return std::nullopt;
  const auto visibility = field(description, "visibility_ms");
  const auto max_receives = field(description, "max_receives");
  const auto max_bytes = field(description, "max_bytes");
  if (!visibility || !max_receives || !max_bytes || *visibility == 0 || *max_receives == 0 ||
      *max_receives > UINT32_MAX) {
    return std::nullopt;
  }
  return QueueSettings{.visibility = std::chrono::milliseconds(*visibility),
                       .max_receives = static_cast<std::uint32_t>(*max_receives),
                       .max_bytes = static_cast<std::size_t>(*max_bytes)};
}

}  // namespace cafe::bus::internal
