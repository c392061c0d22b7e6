// Streams: offsets, per-key order, replay from an offset, a time or a
// group's commit, long polls and retention, on every backend.
#include "bus_fixture.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gmock/gmock.h>

#include <map>
#include <thread>

namespace cafe::bus::testing {
namespace {

namespace asio = boost::asio;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

std::vector<std::uint64_t> offsets_of(const std::vector<StreamRecord>& records) {
  std::vector<std::uint64_t> offsets;
  for (const auto& r : records) offsets.push_back(r.offset);
  return offsets;
}

std::vector<std::string> ids_of(const std::vector<StreamRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

TEST_P(BusConformance, AppendAnswersRisingOffsetsAndReadReturnsTheRecords) {
  const std::string s = stream();
  const std::int64_t before = unix_ms();
  auto offsets = append(s, {{.partition_key = "k1", .id = "e0", .body = "zero"},
                            {.partition_key = "k2", .id = "e1", .body = "one"},
                            {.partition_key = "k1", .id = "e2", .body = ""},
                            {.partition_key = "k2", .id = "e3", .body = "three"},
                            {.partition_key = "k1", .id = "e4", .body = "four"}});
  ASSERT_TRUE(offsets) << outcome(offsets);
  ASSERT_EQ(offsets->size(), 5u);
  for (std::size_t i = 1; i < offsets->size(); ++i) EXPECT_GT((*offsets)[i], (*offsets)[i - 1]);

  auto all = read(s, StreamPosition::at_offset(0));
  ASSERT_TRUE(all) << outcome(all);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_THAT(offsets_of(*all), ElementsAreArray(*offsets));
  EXPECT_THAT(ids_of(*all), ElementsAre("e0", "e1", "e2", "e3", "e4"));
  EXPECT_EQ((*all)[1].partition_key, "k2");
  EXPECT_EQ((*all)[1].body, "one");
  EXPECT_EQ((*all)[2].body, "");
  for (const auto& r : *all) {
    EXPECT_GE(r.appended_at_ms, before - 1000);
    EXPECT_LE(r.appended_at_ms, unix_ms() + 1000);
  }

  auto from_third = read(s, StreamPosition::at_offset((*offsets)[2]));
  ASSERT_TRUE(from_third) << outcome(from_third);
  EXPECT_THAT(ids_of(*from_third), ElementsAre("e2", "e3", "e4"));
  auto two = read(s, StreamPosition::at_offset((*offsets)[1]), records(2));
  ASSERT_TRUE(two) << outcome(two);
  EXPECT_THAT(ids_of(*two), ElementsAre("e1", "e2"));
  auto past_end = read(s, StreamPosition::at_offset(offsets->back() + 1));
  ASSERT_TRUE(past_end) << outcome(past_end);
  EXPECT_THAT(*past_end, IsEmpty());
}

TEST_P(BusConformance, KeepsTheOrderOfRecordsWithOnePartitionKey) {
  const std::string s = stream();
  std::map<std::string, std::vector<std::string>> appended;  // key -> ids in append order
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<StreamEntry> entries;
    for (int i = 0; i < 30; ++i) {
      const std::string key = "store-" + std::to_string((i * 7 + batch) % 3);
      const std::string id = "b" + std::to_string(batch) + "-" + std::to_string(i);
      appended[key].push_back(id);
      entries.push_back({.partition_key = key, .id = id, .body = id});
    }
    ASSERT_TRUE(append(s, std::move(entries)));
  }
  auto all = read(s, StreamPosition::at_offset(0), records(kMaxBatch));
  ASSERT_TRUE(all) << outcome(all);
  ASSERT_EQ(all->size(), 120u);
  std::map<std::string, std::vector<std::string>> read_back;
  for (std::size_t i = 0; i < all->size(); ++i) {
    if (i > 0) EXPECT_GT((*all)[i].offset, (*all)[i - 1].offset);
    read_back[(*all)[i].partition_key].push_back((*all)[i].id);
  }
  EXPECT_EQ(read_back, appended);
}

TEST_P(BusConformance, ReplaysFromATime) {
  const std::string s = stream();
  ASSERT_TRUE(append(s, entries("old", 3)));
  auto old = read(s, StreamPosition::at_offset(0));
  ASSERT_TRUE(old) << outcome(old);
  ASSERT_EQ(old->size(), 3u);
  const std::int64_t split = old->back().appended_at_ms + 1;
  // The clock must pass `split` before the next append, or the two batches
  // could share a millisecond.
  for (int i = 0; i < 100 && unix_ms() <= split; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(append(s, entries("new", 3)));

  auto replayed = read(s, StreamPosition::at_time(split));
  ASSERT_TRUE(replayed) << outcome(replayed);
  EXPECT_THAT(ids_of(*replayed), ElementsAre("new0", "new1", "new2"));
  for (const auto& r : *replayed) EXPECT_GE(r.appended_at_ms, split);
  auto everything = read(s, StreamPosition::at_time(old->front().appended_at_ms));
  ASSERT_TRUE(everything) << outcome(everything);
  EXPECT_EQ(everything->size(), 6u);
  auto future = read(s, StreamPosition::at_time(unix_ms() + 60'000));
  ASSERT_TRUE(future) << outcome(future);
  EXPECT_THAT(*future, IsEmpty());
}

TEST_P(BusConformance, CommittedOffsetsSurviveAConsumerRestart) {
  const std::string s = stream();
  auto offsets = append(s, entries("e", 5));
  ASSERT_TRUE(offsets) << outcome(offsets);

  auto nothing = run(bus_->committed(s, "billing", soon()));
  ASSERT_TRUE(nothing) << outcome(nothing);
  EXPECT_FALSE(nothing->has_value());
  auto from_start = read(s, StreamPosition::after_group("billing"));
  ASSERT_TRUE(from_start) << outcome(from_start);
  EXPECT_EQ(from_start->size(), 5u) << "a group that committed nothing reads from the first record";

  auto committed = run(bus_->commit(s, "billing", (*offsets)[2], soon()));
  ASSERT_TRUE(committed) << outcome(committed);
  bus_->close();
  bus_ = open_bus();
  ASSERT_NE(bus_, nullptr);

  auto remembered = run(bus_->committed(s, "billing", soon()));
  ASSERT_TRUE(remembered) << outcome(remembered);
  EXPECT_EQ(*remembered, std::optional<std::uint64_t>((*offsets)[2]));
  auto rest = read(s, StreamPosition::after_group("billing"));
  ASSERT_TRUE(rest) << outcome(rest);
  EXPECT_THAT(ids_of(*rest), ElementsAre("e3", "e4"));

  const StreamStats stats = stream_stats_of(s);
  EXPECT_EQ(stats.records, 5u);
  EXPECT_EQ(stats.first_offset, offsets->front());
  EXPECT_EQ(stats.last_offset, offsets->back());
  EXPECT_GT(stats.bytes, 0u);
  EXPECT_THAT(stats.groups, ElementsAre(std::pair<std::string, std::uint64_t>("billing", (*offsets)[2])));
}

TEST_P(BusConformance, ALongPollOnAStreamReturnsAsSoonAsARecordIsAppended) {
  const std::string s = stream();
  auto& io = io_thread().context();
  const auto started = Clock::now();
  auto poll = asio::co_spawn(io, bus_->read(s, StreamPosition::at_offset(0), records(10, 5s), soon()),
                             asio::use_future);
  auto appender = [&]() -> asio::awaitable<Result<std::vector<std::uint64_t>>> {
    asio::steady_timer pause(co_await asio::this_coro::executor, 200ms);
    co_await pause.async_wait(asio::use_awaitable);
    co_return co_await bus_->append(s, entries("wake", 1), soon());
  };
  auto appended = asio::co_spawn(io, appender(), asio::use_future);
  auto got = poll.get();
  const auto answered = Clock::now();
  ASSERT_TRUE(appended.get());
  ASSERT_TRUE(got) << outcome(got);
  EXPECT_THAT(ids_of(*got), ElementsAre("wake0"));
  EXPECT_GE(answered - started, 150ms) << "answered before anything was appended";
  EXPECT_LT(answered - started, 1500ms);

  const auto waiting = Clock::now();
  auto empty = read(s, StreamPosition::at_offset(got->back().offset + 1), records(10, 400ms));
  ASSERT_TRUE(empty) << outcome(empty);
  EXPECT_THAT(*empty, IsEmpty());
  EXPECT_GE(since(waiting), 350ms);

  const auto bounded = Clock::now();
  auto cut =
      read(s, StreamPosition::at_offset(got->back().offset + 1), records(10, 10s), Deadline::after(400ms));
  EXPECT_LT(since(bounded), 700ms);
  if (cut) {
    EXPECT_THAT(*cut, IsEmpty());
  } else {
    EXPECT_EQ(cut.error().code, ErrorCode::kDeadlineExceeded) << outcome(cut);
  }
}

TEST_P(BusConformance, DropsRecordsOlderThanMaxAge) {
  const std::string s = stream(kept_for(1s));  // the shortest a stream may keep records
  auto offsets = append(s, entries("short-lived", 3));
  ASSERT_TRUE(offsets) << outcome(offsets);
  const auto appended_at = Clock::now();
  std::size_t left = 3;
  while (left > 0 && since(appended_at) < 10s) {
    std::this_thread::sleep_for(100ms);
    auto records = read(s, StreamPosition::at_offset(0));
    ASSERT_TRUE(records) << outcome(records);
    left = records->size();
  }
  EXPECT_EQ(left, 0u) << "records outlived max_age";
  EXPECT_GE(since(appended_at), 950ms);
  auto later = append(s, entries("next", 1));
  ASSERT_TRUE(later) << outcome(later);
  EXPECT_GT(later->front(), offsets->back()) << "offsets keep rising after retention";
}

TEST_P(BusConformance, DropsTheOldestRecordsBeyondMaxBytes) {
  constexpr std::size_t kLimit = 1u << 20;  // the smallest a stream may hold
  const std::string s = stream(kept_up_to(kLimit));
  std::vector<std::uint64_t> offsets;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<StreamEntry> entries;
    for (int i = 0; i < 5; ++i) {
      const std::string id = "e" + std::to_string(batch * 5 + i);
      entries.push_back({.partition_key = "k", .id = id, .body = std::string(100 << 10, 'x')});
    }
    auto appended = append(s, std::move(entries));
    ASSERT_TRUE(appended) << outcome(appended);
    offsets.insert(offsets.end(), appended->begin(), appended->end());
  }
  const StreamStats stats = stream_stats_of(s);
  EXPECT_LE(stats.bytes, kLimit);
  EXPECT_LT(stats.records, 15u);
  EXPECT_GT(stats.records, 0u);
  EXPECT_EQ(stats.last_offset, offsets.back());
  auto kept = read(s, StreamPosition::at_offset(0), records(100));
  ASSERT_TRUE(kept) << outcome(kept);
  ASSERT_FALSE(kept->empty());
  EXPECT_GT(kept->front().offset, offsets.front()) << "the oldest record was kept";
  EXPECT_EQ(kept->back().offset, offsets.back()) << "the newest record was dropped";
}

}  // namespace
}  // namespace cafe::bus::testing
