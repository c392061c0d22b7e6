#include "platform/service/shutdown_sequence.h"

namespace cafe::service {

ShutdownSequence::~ShutdownSequence() {
  if (thread_.joinable()) thread_.join();
}

void ShutdownSequence::add(std::string name, Phase phase) {
  phases_.emplace_back(std::move(name), std::move(phase));
}

void ShutdownSequence::run_phases(Deadline deadline) {
  for (auto& [name, phase] : phases_) {
    std::size_t index = 0;
    {
      std::lock_guard lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      report_.push_back({.name = name, .started = now, .ended = now, .done = false, .error = {}});
      index = report_.size() - 1;
    }
    Result<void> outcome = phase(deadline);
    std::lock_guard lock(mutex_);
    auto& entry = report_[index];
    entry.ended = std::chrono::steady_clock::now();
    entry.done = true;
    if (!outcome) {
      entry.error = outcome.error().detail;
      failure_ = outcome.error();
      failure_->detail = "shutdown phase " + name + " failed: " + failure_->detail;
      break;
    }
  }
  std::lock_guard lock(mutex_);
  finished_ = true;
  finished_cv_.notify_all();
}

Result<void> ShutdownSequence::run(Deadline deadline) {
  std::unique_lock lock(mutex_);
  if (!started_) {
    started_ = true;
    thread_ = std::thread([this, deadline] { run_phases(deadline); });
  }
  if (!finished_cv_.wait_until(lock, deadline.at(), [&] { return finished_; })) {
    std::string running = "none";
    for (const auto& entry : report_) {
      if (!entry.done) running = entry.name;
    }
    return Error::make(ErrorCode::kDeadlineExceeded,
                       "shutdown did not finish in time; phase still running: " + running);
  }
  if (failure_) return *failure_;
  return {};
}

std::vector<ShutdownSequence::PhaseReport> ShutdownSequence::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

}  // namespace cafe::service
