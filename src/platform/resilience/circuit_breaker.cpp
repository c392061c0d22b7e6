#include "platform/resilience/circuit_breaker.h"

#include <algorithm>

namespace cafe::resilience {

CircuitBreaker::CircuitBreaker(Options options) : options_(options) {
  options_.window = std::max<std::size_t>(options_.window, 1);
  options_.min_failures = std::max<std::size_t>(options_.min_failures, 1);
  options_.half_open_trials = std::max<std::size_t>(options_.half_open_trials, 1);
  samples_.resize(options_.window);
}

bool CircuitBreaker::allow(TimePoint now) {
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now < changed_at_ + options_.open_duration) return false;
      state_ = State::kHalfOpen;
      changed_at_ = now;
      trials_in_flight_ = 0;
      break;
    case State::kHalfOpen:
      if (now >= changed_at_ + options_.open_duration) {
        // Trials taken this long ago will not report any more.
        changed_at_ = now;
        trials_in_flight_ = 0;
      }
      break;
  }
  if (trials_in_flight_ >= options_.half_open_trials) return false;
  ++trials_in_flight_;
  return true;
}

void CircuitBreaker::record_success(TimePoint now) {
  if (state_ == State::kHalfOpen) {
    close();
    return;
  }
  if (state_ == State::kClosed) record(now, false);
}

void CircuitBreaker::record_failure(TimePoint now) {
  if (state_ == State::kHalfOpen) {
    trip(now);
    return;
  }
  if (state_ != State::kClosed) return;  // a late result of a call made before opening
  record(now, true);
  if (failures_ >= options_.min_failures &&
      static_cast<double>(failures_) >= options_.failure_ratio * static_cast<double>(count_)) {
    trip(now);
  }
}

CircuitBreaker::State CircuitBreaker::state(TimePoint now) const {
  if (state_ == State::kOpen && now >= changed_at_ + options_.open_duration) return State::kHalfOpen;
  return state_;
}

void CircuitBreaker::record(TimePoint now, bool failure) {
  expire(now);
  if (count_ == samples_.size()) {
    if (samples_[head_].failure) --failures_;
    head_ = (head_ + 1) % samples_.size();
    --count_;
  }
  samples_[(head_ + count_) % samples_.size()] = {now, failure};
  ++count_;
  if (failure) ++failures_;
}

void CircuitBreaker::expire(TimePoint now) {
  while (count_ > 0 && samples_[head_].at + options_.window_duration <= now) {
    if (samples_[head_].failure) --failures_;
    head_ = (head_ + 1) % samples_.size();
    --count_;
  }
}

void CircuitBreaker::trip(TimePoint now) {
  state_ = State::kOpen;
  changed_at_ = now;
  trials_in_flight_ = 0;
}

void CircuitBreaker::close() {
  state_ = State::kClosed;
  trials_in_flight_ = 0;
  head_ = 0;
  count_ = 0;
  failures_ = 0;
}

const char* to_string(CircuitBreaker::State s) noexcept {
  switch (s) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
    case CircuitBreaker::State::kOpen:
      return "open";
  }
  return "unknown";
}

}  // namespace cafe::resilience
