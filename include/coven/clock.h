// Clocks: the only way coven reads the time.
//
// Production code uses SystemClock. Tests inject a ManualClock (see
// coven/testing/manual_clock.h) so that a multi-device scenario runs in one
// process, deterministically, with per-device skew.
//
// Thread safety: implementations must be safe to call from any thread.
#ifndef COVEN_CLOCK_H_
#define COVEN_CLOCK_H_

#include <cstdint>
#include <memory>

namespace coven::clock {

/// A source of wall-clock time.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual std::int64_t NowMillis() = 0;
  /// Blocks for `millis` (a test clock may advance instead of waiting).
  virtual void SleepMillis(std::int64_t millis) = 0;
};

/// Shared handle, as in the reference API (`coven::clock::ClockRef`).
using ClockRef = std::shared_ptr<Clock>;

/// The real clock: std::chrono::system_clock and std::this_thread::sleep_for.
class SystemClock final : public Clock {
 public:
  std::int64_t NowMillis() override;
  void SleepMillis(std::int64_t millis) override;
};

}  // namespace coven::clock

#endif  // COVEN_CLOCK_H_
