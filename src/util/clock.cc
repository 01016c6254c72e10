#include "coven/clock.h"

#include <chrono>
#include <thread>

namespace coven::clock {

void Waker::Wake() {
  std::lock_guard<std::mutex> lock(mutex_);
  woken_ = true;
  cv_.notify_all();
}

void Waker::Poke() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++pokes_;
  cv_.notify_all();
}

bool Waker::Block(const std::function<bool()>& expired,
                  std::optional<std::chrono::steady_clock::time_point> until) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (woken_) {
      woken_ = false;
      return true;
    }
    if (expired()) return false;
    const std::uint64_t seen = pokes_;
    auto changed = [&] { return woken_ || pokes_ != seen; };
    if (!until) {
      cv_.wait(lock, changed);
    } else if (!cv_.wait_until(lock, *until, changed)) {
      return false;
    }
  }
}

bool Clock::WaitUntil(std::int64_t deadline_ms, Waker& waker) {
  while (true) {
    const std::int64_t left = deadline_ms - NowMillis();
    // Past the deadline, a wake that came before still counts.
    if (left <= 0) return waker.Block([] { return true; }, std::nullopt);
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(left);
    if (waker.Block([] { return false; }, until)) return true;
  }
}

std::int64_t SystemClock::NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SystemClock::SleepMillis(std::int64_t millis) {
  if (millis > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(millis));
}

}  // namespace coven::clock
