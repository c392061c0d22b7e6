// Waits for SIGINT or SIGTERM. Construct it before serving begins: from
// then on those signals are caught (and only ever delivered here) rather
// than ending the process.
#pragma once

#include <chrono>
#include <memory>

namespace cafe::service {

class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // Blocks until one arrives; returns its number.
  int wait();
  // As wait(), for at most `timeout`; 0 when none arrived.
  int wait_for(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cafe::service
