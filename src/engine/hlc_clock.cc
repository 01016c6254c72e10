#include "engine/hlc_clock.h"

#include <algorithm>
#include <string>

namespace coven::engine {

HlcClock::HlcClock(clock::ClockRef clock, std::uint64_t device,
                   std::int64_t max_drift_ms)
    : clock_(std::move(clock)), device_(device), max_drift_ms_(max_drift_ms) {
  last_.device = device;
}

Hlc HlcClock::Now() {
  const std::int64_t wall = std::max<std::int64_t>(0, clock_->NowMillis());
  std::lock_guard<std::mutex> lock(mutex_);
  Hlc next;
  next.device = device_;
  if (static_cast<std::uint64_t>(wall) > last_.millis) {
    next.millis = static_cast<std::uint64_t>(wall);
    next.counter = 0;
  } else if (last_.counter < 0xffff) {
    next.millis = last_.millis;
    next.counter = static_cast<std::uint16_t>(last_.counter + 1);
  } else {
    // Counter exhausted within one millisecond: borrow the next millisecond.
    next.millis = last_.millis + 1;
    next.counter = 0;
  }
  last_ = next;
  return next;
}

void HlcClock::Seed(const Hlc& seen) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (seen > last_) last_ = seen;
}

bool HlcClock::WithinDrift(const Hlc& remote) {
  const std::int64_t wall = clock_->NowMillis();
  return static_cast<std::int64_t>(remote.millis) <= wall + max_drift_ms_;
}

Status HlcClock::Observe(const Hlc& remote) {
  if (!WithinDrift(remote)) {
    return FailedPreconditionError(
        "stamp " + remote.ToText() + " is more than " +
        std::to_string(max_drift_ms_ / 1000) +
        " s ahead of this device's clock; it will apply once the clock "
        "catches up (check the clock of device " +
        DeviceIdToHex(remote.device) + ")");
  }
  Seed(remote);
  return Status::Ok();
}

Hlc HlcClock::Last() {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}

}  // namespace coven::engine
