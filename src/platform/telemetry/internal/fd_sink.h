// The spdlog sink behind the async logger: writes each pre-formatted line
// with write(2), unbuffered, so a line that was dequeued is in the file even
// if the process then crashes. Runs on spdlog's single worker thread only.
#pragma once

#include <spdlog/sinks/sink.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace cafe::telemetry::internal {

class FdSink final : public spdlog::sinks::sink {
 public:
  // Takes ownership of `fd` when `owned`; stderr is not closed.
  FdSink(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSink() override;
  FdSink(const FdSink&) = delete;
  FdSink& operator=(const FdSink&) = delete;

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override {}
  // Lines arrive formatted; spdlog's patterns are not used.
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  // Lines that could not be written (the file failed, not the queue).
  std::uint64_t failed_lines() const { return failed_.load(std::memory_order_relaxed); }

 private:
  int fd_;
  bool owned_;
  std::atomic<std::uint64_t> failed_{0};
};

// Writes all of `data` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, const char* data, std::size_t size);

}  // namespace cafe::telemetry::internal
