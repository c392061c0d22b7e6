#include "platform/bus/internal/nats_names.h"

#include <gtest/gtest.h>

namespace cafe::bus::internal {
namespace {

using namespace std::chrono_literals;

TEST(NatsQueueSettings, SurviveTheTripThroughAStreamDescription) {
  const QueueSettings settings{.visibility = 1500ms, .max_receives = 7, .max_bytes = 4096};
  const std::string text = describe(settings);
  EXPECT_EQ(text.find('"'), std::string::npos) << "libnats puts it in JSON unescaped";
  auto back = parse_queue_settings(text);
  ASSERT_TRUE(back.has_value()) << text;
  EXPECT_EQ(back->visibility, 1500ms);
  EXPECT_EQ(back->max_receives, 7u);
  EXPECT_EQ(back->max_bytes, 4096u);
}

TEST(NatsQueueSettings, AreNotReadFromAnotherKindOfDescription) {
  EXPECT_FALSE(parse_queue_settings("").has_value());
  EXPECT_FALSE(parse_queue_settings("someone else's stream visibility_ms=5").has_value());
  EXPECT_FALSE(parse_queue_settings("cafe queue visibility_ms=0 max_receives=5 max_bytes=1").has_value());
  EXPECT_FALSE(parse_queue_settings("cafe queue max_receives=5 max_bytes=1").has_value());
  EXPECT_FALSE(parse_queue_settings("cafe queue xvisibility_ms=5 max_receives=5 max_bytes=1").has_value());
}

TEST(NatsLayout, NamesQueuesStreamsAndGroupsApart) {
  EXPECT_EQ(queue_stream("orders"), "cafe_q_orders");
  EXPECT_EQ(queue_subject("orders"), "cafe.q.orders");
  EXPECT_EQ(dead_letter_stream("orders"), "cafe_dlq_orders");
  EXPECT_EQ(event_stream("orders"), "cafe_s_orders");
  EXPECT_EQ(group_subject("orders", "billing"), "$KV.cafe_g_orders.billing");
  EXPECT_EQ(groups_kv_stream("orders"), "KV_cafe_g_orders");
  EXPECT_FALSE(dead_letter_stream("x").starts_with(kQueueStreamPrefix))
      << "queue_stats would list dead letters";
}

}  // namespace
}  // namespace cafe::bus::internal
