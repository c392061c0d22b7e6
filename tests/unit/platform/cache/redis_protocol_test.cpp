#include "platform/cache/internal/redis_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::cache::internal {
namespace {

using Type = RedisReply::Type;

TEST(RedisProtocol, FormatsLengthPrefixedBinarySafeArguments) {
  const std::string value("a\0\r\nb", 5);
  constexpr char kWire[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0\r\nb\r\n";
  EXPECT_EQ(format_command({"SET", "k", value}), std::string(kWire, sizeof(kWire) - 1));
}

TEST(RedisProtocol, FormatsAnEmptyArgument) {
  EXPECT_EQ(format_command({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(RedisProtocol, ReadsRepliesSplitAcrossFeeds) {
  ReplyReader reader;
  constexpr char kWire[] = "+OK\r\n$5\r\nhel\0o\r\n:42\r\n$-1\r\n";
  const std::string bytes(kWire, sizeof(kWire) - 1);
  // One byte at a time: every reply must come out whole, at the right moment.
  std::vector<RedisReply> replies;
  for (char c : bytes) {
    ASSERT_TRUE(reader.feed(&c, 1));
    for (;;) {
      auto next = reader.next();
      ASSERT_TRUE(next);
      if (!next->has_value()) break;
      replies.push_back(std::move(**next));
    }
  }
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0].type, Type::kStatus);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies[1].type, Type::kString);
  EXPECT_EQ(replies[1].str, std::string("hel\0o", 5));
  EXPECT_EQ(replies[2].type, Type::kInteger);
  EXPECT_EQ(replies[2].integer, 42);
  EXPECT_EQ(replies[3].type, Type::kNil);
}

TEST(RedisProtocol, ReadsNestedArrays) {
  ReplyReader reader;
  const std::string scan = "*2\r\n$2\r\n17\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n";
  ASSERT_TRUE(reader.feed(scan.data(), scan.size()));
  auto next = reader.next();
  ASSERT_TRUE(next && next->has_value());
  const RedisReply& reply = **next;
  ASSERT_EQ(reply.type, Type::kArray);
  ASSERT_EQ(reply.elements.size(), 2u);
  EXPECT_EQ(reply.elements[0].str, "17");
  ASSERT_EQ(reply.elements[1].elements.size(), 2u);
  EXPECT_EQ(reply.elements[1].elements[1].str, "b");
}

TEST(RedisProtocol, ReportsAProtocolViolation) {
  ReplyReader reader;
  const std::string junk = "?what\r\n";
  ASSERT_TRUE(reader.feed(junk.data(), junk.size()));
  auto next = reader.next();
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, ErrorCode::kUnavailable);
}

TEST(RedisProtocol, TransientErrorRepliesAreRetryable) {
  RedisReply loading;
  loading.type = Type::kError;
  loading.str = "LOADING Redis is loading the dataset in memory";
  RedisReply wrongtype;
  wrongtype.type = Type::kError;
  wrongtype.str = "WRONGTYPE Operation against a key holding the wrong kind";
  EXPECT_EQ(error_from_reply(loading).code, ErrorCode::kUnavailable);
  EXPECT_EQ(error_from_reply(wrongtype).code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace cafe::cache::internal
