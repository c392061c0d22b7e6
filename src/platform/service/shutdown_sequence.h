// Shutdown in ordered, awaited phases under one final deadline (DESIGN §5).
// Each phase starts only when the one before it has returned; a phase gets
// the final deadline and must not wait past it. When a phase has not
// returned by the deadline, run() gives up on it and says which phase it
// was: the process cannot unwind with that phase still running, so the
// caller exits instead (`serve` exits non-zero).
//
// Phases run on a thread of their own, so a phase stuck in a blocking call
// (a database that stopped answering) cannot stop run() from returning.
#pragma once

#include "platform/core/deadline.h"
#include "platform/core/error.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cafe::service {

class ShutdownSequence {
 public:
  // A phase returns an error to end the sequence there (e.g. it ran out of
  // time itself); later phases then do not run.
  using Phase = std::function<Result<void>(Deadline final_deadline)>;

  struct PhaseReport {
    std::string name;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point ended;  // == started while still running
    bool done = false;
    std::string error;  // why it failed, when it did
  };

  ShutdownSequence() = default;
  // Waits for the phase thread: a sequence that timed out must not be
  // destroyed while its phase is stuck (the process exits instead).
  ~ShutdownSequence();
  ShutdownSequence(const ShutdownSequence&) = delete;
  ShutdownSequence& operator=(const ShutdownSequence&) = delete;

  // Adds a phase at the end. Before run() only.
  void add(std::string name, Phase phase);

  // Runs every phase in order and waits until they have all returned or
  // `deadline` has passed. kDeadlineExceeded naming the phase still
  // running; a phase's own error, naming it. Runs once: a second call
  // waits for the first run's outcome (until its own deadline).
  Result<void> run(Deadline deadline);

  // What ran so far, in order (a snapshot; safe while phases run).
  std::vector<PhaseReport> report() const;

 private:
  void run_phases(Deadline deadline);

  std::vector<std::pair<std::string, Phase>> phases_;
  mutable std::mutex mutex_;
  std::condition_variable finished_cv_;
  std::vector<PhaseReport> report_;  // guarded by mutex_
  bool started_ = false;             // guarded by mutex_
  bool finished_ = false;            // guarded by mutex_
  std::optional<Error> failure_;     // guarded by mutex_
  std::thread thread_;
};

}  // namespace cafe::service
