#include "coven/clock.h"

#include <chrono>
#include <thread>

namespace coven::clock {

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
