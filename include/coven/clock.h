// Clocks: the only way coven reads the time, and waits on it.
//
// Production code uses SystemClock. Tests inject a ManualClock (see
// coven/testing/manual_clock.h) so that a multi-device scenario runs in one
// process, deterministically, with per-device skew, and so that a thread
// waiting for a deadline (the background sync loop, its retry backoff)
// wakes when the test moves the clock rather than after real time.
//
// Thread safety: implementations must be safe to call from any thread.
#ifndef COVEN_CLOCK_H_
#define COVEN_CLOCK_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace coven::clock {

/// Wakes a thread blocked in Clock::WaitUntil (for example to stop it, or to
/// start a round at once). A Wake that comes before the wait is not lost:
/// the next WaitUntil with this waker returns at once. One waiting thread
/// per waker.
///
/// Thread safety: every member may be called from any thread.
class Waker {
 public:
  /// Makes the current (or next) WaitUntil with this waker return true.
  void Wake();

  /// For Clock implementations: blocks until Wake() is called (returns true
  /// and clears the wake), `expired()` returns true or the steady-clock time
  /// `until` (when set) passes (both return false). `expired` is checked
  /// under the waker's lock, first and after every Poke().
  bool Block(const std::function<bool()>& expired,
             std::optional<std::chrono::steady_clock::time_point> until);
  /// For Clock implementations: makes a thread in Block() check `expired`
  /// again (the clock moved).
  void Poke();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::uint64_t pokes_ = 0;
};

/// A source of wall-clock time.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual std::int64_t NowMillis() = 0;
  /// Blocks for `millis` (a test clock may advance instead of waiting).
  virtual void SleepMillis(std::int64_t millis) = 0;
  /// Blocks until NowMillis() reaches `deadline_ms` (returns false) or
  /// `waker` is woken (returns true; a wake that came before the call counts
  /// and is consumed). The default assumes this clock moves with real time:
  /// it waits on the steady clock for what is left, checking NowMillis()
  /// again whenever that runs out. A clock that does not follow real time
  /// (ManualClock) overrides it.
  virtual bool WaitUntil(std::int64_t deadline_ms, Waker& waker);
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
