// A clock that moves only when told to: for deterministic tests.
#ifndef COVEN_TESTING_MANUAL_CLOCK_H_
#define COVEN_TESTING_MANUAL_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "coven/clock.h"

namespace coven::testing {

/// Thread-safe. SleepMillis advances the clock instead of waiting.
class ManualClock final : public clock::Clock {
 public:
  explicit ManualClock(std::int64_t start_millis = 1'700'000'000'000)
      : now_(start_millis) {}
  std::int64_t NowMillis() override { return now_.load(); }
  void SleepMillis(std::int64_t millis) override { Advance(millis); }
  void Advance(std::int64_t millis) { now_ += millis; }
  void Set(std::int64_t millis) { now_ = millis; }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTING_MANUAL_CLOCK_H_
