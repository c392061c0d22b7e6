#include "platform/cache/internal/lru_map.h"

#include <gtest/gtest.h>

#include <string>

namespace cafe::cache::internal {
namespace {

using namespace std::chrono_literals;

class FakeClock {
 public:
  LruMap::NowFn fn() {
    return [this] { return now_; };
  }
  void advance(std::chrono::milliseconds by) { now_ += by; }

 private:
  LruMap::Clock::time_point now_{};
};

TEST(LruMap, ReturnsWhatWasPut) {
  LruMap map({.max_entries = 10, .max_bytes = 1000});
  EXPECT_TRUE(map.put("k", "v", 1s));
  EXPECT_EQ(map.get("k"), "v");
  EXPECT_EQ(map.get("missing"), std::nullopt);
}

TEST(LruMap, EvictsLeastRecentlyUsedWhenFull) {
  LruMap map({.max_entries = 3, .max_bytes = 1000});
  map.put("a", "1", 1s);
  map.put("b", "2", 1s);
  map.put("c", "3", 1s);
  ASSERT_EQ(map.get("a"), "1");  // a is now the most recent; b the least
  map.put("d", "4", 1s);
  EXPECT_EQ(map.get("b"), std::nullopt);
  EXPECT_EQ(map.get("a"), "1");
  EXPECT_EQ(map.get("c"), "3");
  EXPECT_EQ(map.get("d"), "4");
  EXPECT_EQ(map.size(), 3u);
}

TEST(LruMap, CountsKeysAndValuesAgainstTheByteBound) {
  LruMap map({.max_entries = 100, .max_bytes = 10});
  map.put("k1", "abc", 1s);  // 5 bytes
  map.put("k2", "abc", 1s);  // 10 bytes: fits exactly
  EXPECT_EQ(map.bytes(), 10u);
  EXPECT_EQ(map.size(), 2u);
  map.put("k3", "a", 1s);  // 3 more: k1 goes
  EXPECT_EQ(map.get("k1"), std::nullopt);
  EXPECT_EQ(map.get("k2"), "abc");
  EXPECT_EQ(map.bytes(), 8u);
}

TEST(LruMap, EvictsSeveralEntriesForOneLargeValue) {
  LruMap map({.max_entries = 100, .max_bytes = 20});
  for (char c : std::string("abcde")) map.put(std::string(1, c), "xx", 1s);  // 15 bytes
  map.put("big", std::string(14, 'z'), 1s);                                  // 17 bytes
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.get("e"), "xx");
  EXPECT_EQ(map.bytes(), 20u);
}

TEST(LruMap, ReplacingAValueUpdatesTheByteCount) {
  LruMap map({.max_entries = 10, .max_bytes = 100});
  map.put("k", std::string(50, 'a'), 1s);
  map.put("k", "b", 1s);
  EXPECT_EQ(map.bytes(), 2u);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.get("k"), "b");
}

TEST(LruMap, RefusesAnEntryLargerThanTheWholeBound) {
  LruMap map({.max_entries = 10, .max_bytes = 10});
  map.put("keep", "me", 1s);
  map.put("k", "old", 1s);
  EXPECT_FALSE(map.put("k", std::string(10, 'x'), 1s));  // 11 bytes with its key
  EXPECT_EQ(map.get("k"), std::nullopt);                 // the old value is gone too
  EXPECT_EQ(map.get("keep"), "me");                      // nothing else was evicted
  EXPECT_EQ(map.bytes(), 6u);
}

TEST(LruMap, ExpiredEntryIsAMissAndIsRemoved) {
  FakeClock clock;
  LruMap map({.max_entries = 10, .max_bytes = 100}, clock.fn());
  map.put("short", "1", 100ms);
  map.put("long", "2", 10s);
  clock.advance(99ms);
  EXPECT_EQ(map.get("short"), "1");
  clock.advance(1ms);
  EXPECT_EQ(map.get("short"), std::nullopt);
  EXPECT_EQ(map.size(), 1u);
  EXPECT_EQ(map.bytes(), 5u);
  EXPECT_EQ(map.get("long"), "2");
}

TEST(LruMap, ReplacingAnEntryRestartsItsTtl) {
  FakeClock clock;
  LruMap map({.max_entries = 10, .max_bytes = 100}, clock.fn());
  map.put("k", "1", 100ms);
  clock.advance(90ms);
  map.put("k", "2", 100ms);
  clock.advance(90ms);
  EXPECT_EQ(map.get("k"), "2");
}

TEST(LruMap, ErasePrefixRemovesOnlyMatchingKeys) {
  LruMap map({.max_entries = 10, .max_bytes = 100});
  map.put("menu:1", "a", 1s);
  map.put("menu:2", "b", 1s);
  map.put("menus", "c", 1s);
  map.put("order:1", "d", 1s);
  EXPECT_EQ(map.erase_prefix("menu:"), 2u);
  EXPECT_EQ(map.get("menu:1"), std::nullopt);
  EXPECT_EQ(map.get("menu:2"), std::nullopt);
  EXPECT_EQ(map.get("menus"), "c");
  EXPECT_EQ(map.get("order:1"), "d");
  EXPECT_EQ(map.bytes(), 14u);
}

TEST(LruMap, EraseReportsWhetherTheKeyExisted) {
  LruMap map({.max_entries = 10, .max_bytes = 100});
  map.put("k", "v", 1s);
  EXPECT_TRUE(map.erase("k"));
  EXPECT_FALSE(map.erase("k"));
  EXPECT_EQ(map.bytes(), 0u);
}

TEST(LruMap, KeysAreBinarySafe) {
  LruMap map({.max_entries = 10, .max_bytes = 100});
  const std::string a("k\0a", 3);
  const std::string b("k\0b", 3);
  map.put(a, "1", 1s);
  map.put(b, "2", 1s);
  EXPECT_EQ(map.get(a), "1");
  EXPECT_EQ(map.get(b), "2");
}

}  // namespace
}  // namespace cafe::cache::internal
