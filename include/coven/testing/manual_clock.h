// A clock that moves only when told to: for deterministic tests.
#ifndef COVEN_TESTING_MANUAL_CLOCK_H_
#define COVEN_TESTING_MANUAL_CLOCK_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "coven/clock.h"

namespace coven::testing {

/// Thread-safe. SleepMillis advances the clock instead of waiting; a thread
/// in WaitUntil wakes when Advance or Set moves the clock to its deadline
/// (or when its waker is woken), never because real time passed.
class ManualClock final : public clock::Clock {
 public:
  explicit ManualClock(std::int64_t start_millis = 1'700'000'000'000)
      : now_(start_millis) {}
  std::int64_t NowMillis() override { return now_.load(); }
  void SleepMillis(std::int64_t millis) override { Advance(millis); }
  void Advance(std::int64_t millis) {
    now_ += millis;
    PokeWaiters();
  }
  void Set(std::int64_t millis) {
    now_ = millis;
    PokeWaiters();
  }

  /// Blocks until the clock reaches `deadline_ms` (false) or `waker` is
  /// woken (true). Records the wait for AwaitWaiter.
  bool WaitUntil(std::int64_t deadline_ms, clock::Waker& waker) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      waiting_.insert(&waker);
      deadlines_.push_back(deadline_ms);
      started_.notify_all();
    }
    const bool woken =
        waker.Block([&] { return now_.load() >= deadline_ms; }, std::nullopt);
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.erase(&waker);
    return woken;
  }

  /// Blocks until WaitUntil has been called at least `n` times (counting
  /// from 1, over the clock's life) and returns the deadline the `n`th call
  /// waits for; nullopt if that has not happened within `timeout` of real
  /// time (a safety net for a broken test, not a sleep).
  std::optional<std::int64_t> AwaitWaiter(
      std::uint64_t n,
      std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!started_.wait_for(lock, timeout,
                           [&] { return deadlines_.size() >= n; })) {
      return std::nullopt;
    }
    return deadlines_[n - 1];
  }
  /// How many times WaitUntil has been called.
  std::uint64_t waits() {
    std::lock_guard<std::mutex> lock(mutex_);
    return deadlines_.size();
  }

 private:
  void PokeWaiters() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (clock::Waker* waker : waiting_) waker->Poke();
  }

  std::atomic<std::int64_t> now_;
  std::mutex mutex_;
  std::condition_variable started_;
  std::set<clock::Waker*> waiting_;
  std::vector<std::int64_t> deadlines_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTING_MANUAL_CLOCK_H_
