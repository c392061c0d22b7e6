#include "services/bus/engine/stream_state.h"

#include <gtest/gtest.h>

namespace cafe::bus::engine {
namespace {

std::vector<StreamEntry> entries(std::initializer_list<const char*> ids, std::string key = "k") {
  std::vector<StreamEntry> out;
  for (const char* id : ids) out.push_back({key, id, "{}"});
  return out;
}

std::vector<std::string> ids(const std::vector<StreamRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.id);
  return out;
}

TEST(StreamState, ShowsNoRecordUntilEveryEarlierAppendHasCommitted) {
  StreamState s(StreamOptions{});
  auto a = s.reserve(entries({"a1", "a2"}), 10);
  auto b = s.reserve(entries({"b1"}), 11);
  EXPECT_FALSE(s.complete(b[0].offset, b));
  EXPECT_TRUE(s.read(StreamPosition::at_offset(0), 10).empty());
  EXPECT_TRUE(s.complete(a[0].offset, a));
  EXPECT_EQ(ids(s.read(StreamPosition::at_offset(0), 10)), (std::vector<std::string>{"a1", "a2", "b1"}));
}

TEST(StreamState, LeavesAGapWhereAnAppendFailed) {
  StreamState s(StreamOptions{});
  auto a = s.reserve(entries({"a"}), 10);
  auto b = s.reserve(entries({"b"}), 10);
  s.complete(a[0].offset, std::nullopt);
  s.complete(b[0].offset, b);
  auto read = s.read(StreamPosition::at_offset(0), 10);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].offset, 2u);
}

TEST(StreamState, ReadsFromAnOffsetATimeOrAGroupsCommittedOffset) {
  StreamState s(StreamOptions{});
  for (int t = 0; t < 5; ++t) {
    auto r = s.reserve(entries({std::to_string(t).c_str()}), 100 * t);
    s.complete(r[0].offset, r);
  }
  EXPECT_EQ(ids(s.read(StreamPosition::at_offset(3), 10)), (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_EQ(ids(s.read(StreamPosition::at_time(150), 10)), (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_TRUE(s.read(StreamPosition::at_time(1000), 10).empty());
  EXPECT_EQ(ids(s.read(StreamPosition::after_group("g"), 2)), (std::vector<std::string>{"0", "1"}));
  s.commit("g", 4);
  EXPECT_EQ(ids(s.read(StreamPosition::after_group("g"), 10)), (std::vector<std::string>{"4"}));
  EXPECT_EQ(s.committed("g"), 4u);
  EXPECT_FALSE(s.committed("other"));
}

TEST(StreamState, NeverHandsOutAnOffsetBelowTheFloorNorOneAlreadyGiven) {
  StreamState s(StreamOptions{});
  auto a = s.reserve(entries({"a"}), 10, 5000);
  EXPECT_EQ(a[0].offset, 5000u);
  auto b = s.reserve(entries({"b"}), 10, 10);  // a lower floor does not go back
  EXPECT_EQ(b[0].offset, 5001u);
}

TEST(StreamState, NeverStampsARecordEarlierThanTheOneBefore) {
  StreamState s(StreamOptions{});
  auto a = s.reserve(entries({"a"}), 500);
  auto b = s.reserve(entries({"b"}), 400);  // the wall clock stepped back
  EXPECT_EQ(b[0].appended_at_ms, 500);
  (void)a;
}

TEST(StreamState, DropsRecordsPastTheirAgeOrBeyondTheByteLimit) {
  StreamOptions o;
  o.max_age = std::chrono::milliseconds(1000);
  o.max_bytes = 3 * (kRecordOverheadBytes + 2 + 1 + 1);  // three records of body "{}", key "k", id "n"
  StreamState s(o);
  for (int i = 0; i < 5; ++i) {
    auto r = s.reserve(entries({std::to_string(i).c_str()}), 100 * i);
    s.complete(r[0].offset, r);
  }
  EXPECT_EQ(s.apply_retention(400), 3u);  // by size: offsets 3..5 stay
  EXPECT_EQ(s.stats().records, 3u);
  EXPECT_EQ(s.apply_retention(1350), 5u);  // by age: only the record stamped 400 stays
  EXPECT_EQ(s.stats().records, 1u);
  EXPECT_FALSE(s.apply_retention(1350));
}

}  // namespace
}  // namespace cafe::bus::engine
