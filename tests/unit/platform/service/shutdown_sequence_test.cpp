#include "platform/service/shutdown_sequence.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

namespace cafe::service {
namespace {

using namespace std::chrono_literals;

class Journal {
 public:
  void add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> entries_;
};

ShutdownSequence::Phase recording(Journal& journal, std::string name) {
  return [&journal, name](Deadline) -> Result<void> {
    journal.add(name);
    return {};
  };
}

TEST(ShutdownSequence, RunsEveryPhaseInOrderEachAfterThePreviousReturned) {
  Journal journal;
  ShutdownSequence sequence;
  sequence.add("stop_accepting", recording(journal, "stop_accepting"));
  sequence.add("drain", [&](Deadline) -> Result<void> {
    std::this_thread::sleep_for(20ms);  // a drain that takes a while
    journal.add("drain");
    return {};
  });
  sequence.add("close_database", recording(journal, "close_database"));
  ASSERT_TRUE(sequence.run(Deadline::after(5s)));
  EXPECT_EQ(journal.entries(), (std::vector<std::string>{"stop_accepting", "drain", "close_database"}));
  const auto report = sequence.report();
  ASSERT_EQ(report.size(), 3u);
  for (std::size_t i = 0; i < report.size(); ++i) {
    EXPECT_TRUE(report[i].done);
    if (i > 0) EXPECT_GE(report[i].started, report[i - 1].ended) << report[i].name;
  }
  EXPECT_GE(report[1].ended - report[1].started, 20ms);
}

TEST(ShutdownSequence, StopsAtAFailingPhaseAndNamesIt) {
  Journal journal;
  ShutdownSequence sequence;
  sequence.add("drain", recording(journal, "drain"));
  sequence.add("stop_background", [](Deadline) -> Result<void> {
    return Error::make(ErrorCode::kDeadlineExceeded, "background tasks still running: refresher");
  });
  sequence.add("close_database", recording(journal, "close_database"));
  auto outcome = sequence.run(Deadline::after(5s));
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(outcome.error().detail.find("stop_background"), std::string::npos) << outcome.error().detail;
  EXPECT_NE(outcome.error().detail.find("refresher"), std::string::npos) << outcome.error().detail;
  EXPECT_EQ(journal.entries(), std::vector<std::string>{"drain"});
}

TEST(ShutdownSequence, GivesUpAtTheDeadlineNamingThePhaseStillRunning) {
  std::promise<void> release;
  auto released = release.get_future().share();
  Journal journal;
  ShutdownSequence sequence;
  sequence.add("close_clients", recording(journal, "close_clients"));
  // A database whose close never returns (its thread is stuck in a call).
  sequence.add("close_database", [released](Deadline) -> Result<void> {
    released.wait();
    return {};
  });
  sequence.add("stop_io", recording(journal, "stop_io"));
  const auto began = std::chrono::steady_clock::now();
  auto outcome = sequence.run(Deadline::after(200ms, began));
  const auto took = std::chrono::steady_clock::now() - began;
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(outcome.error().detail.find("close_database"), std::string::npos) << outcome.error().detail;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(journal.entries(), std::vector<std::string>{"close_clients"});
  release.set_value();  // lets the destructor join the phase thread
}

TEST(ShutdownSequence, RunsItsPhasesOnce) {
  Journal journal;
  ShutdownSequence sequence;
  sequence.add("drain", recording(journal, "drain"));
  ASSERT_TRUE(sequence.run(Deadline::after(5s)));
  ASSERT_TRUE(sequence.run(Deadline::after(5s)));
  EXPECT_EQ(journal.entries(), std::vector<std::string>{"drain"});
}

}  // namespace
}  // namespace cafe::service
